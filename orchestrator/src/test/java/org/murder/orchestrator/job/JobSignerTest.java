package org.murder.orchestrator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.murder.orchestrator.rollout.Rollout;

class JobSignerTest {
    private static final String SECRET = "a-test-secret-of-32-characters!!";
    private final JobSigner signer = new JobSigner(SECRET);

    /** A deploy job with every field set, fixed so its canonical JSON (and so its signature) never changes. */
    private static Job jobFixture() {
        return Job.builder().id("v1-20261202T161844-3469").type(Job.DEPLOY).tag("v1").torrent("ZA==")
                .md5("0123456789abcdef0123456789abcdef").size(1234).dest("/opt/app").seedSeconds(30).activate(true).keep(5)
                .hosts(List.of("web-1", "web-2")).selector("--hosts web-*").createdAt(1_764_692_324_000L).deadline(1_764_692_924_000L)
                .build();
    }

    @Test
    void aSignedJobVerifies() {
        Job signed = signer.sign(jobFixture());
        assertEquals(64, signed.signature().length());
        assertTrue(signer.verify(signed));
    }

    @Test
    void theSignatureOfAFixedJobStaysTheSame() {
        // the canonical JSON is the wire format: a change here means jobs published by earlier versions no longer verify
        // ("deploy" is isDeploy(): Jackson writes it, so a Job must not grow another getter-like method)
        assertEquals("{\"activate\":true,\"createdAt\":1764692324000,\"deadline\":1764692924000,\"dest\":\"/opt/app\","
                + "\"hosts\":[\"web-1\",\"web-2\"],\"id\":\"v1-20261202T161844-3469\",\"keep\":5,\"md5\":\"0123456789abcdef0123456789abcdef\","
                + "\"rollbackTo\":\"\",\"seedSeconds\":30,\"selector\":\"--hosts web-*\",\"signature\":\"\",\"size\":1234,\"tag\":\"v1\","
                + "\"torrent\":\"ZA==\",\"type\":\"deploy\",\"deploy\":true}", new String(Json.write(jobFixture()), StandardCharsets.UTF_8));
        assertEquals("5b182d6a3277ce656b091543d004af87c156b0f848693a6b07d0a0a7b79e510a", signer.sign(jobFixture()).signature());
    }

    @Test
    void aRolloutIsSignedToo() {
        Job signed = signer.sign(jobFixture().withRollout(new Rollout(List.of("health"), List.of())));
        assertTrue(signer.verify(signed));
        assertFalse(signer.verify(signed.withRollout(null)), "dropping the rollout");
        assertEquals("5ffde3a5e5d504c1cee958ba153cf0d4bb1661c107e10bc4bc857ad37a1b35b3", signed.signature());
    }

    @Test
    void aChangedFieldFails() {
        Job signed = signer.sign(jobFixture());
        assertTrue(signer.verify(signed.toBuilder().build()), "the same values");
        assertFalse(signer.verify(signed.toBuilder().hosts(List.of("web-1", "web-2", "db-1")).build()), "a host added");
        assertFalse(signer.verify(signed.toBuilder().dest("/etc").build()), "another dest");
        assertFalse(signer.verify(signed.toBuilder().tag("v2").build()), "another tag");
        assertFalse(signer.verify(signed.toBuilder().deadline(signed.deadline() + 1).build()), "a later deadline");
        assertFalse(signer.verify(signed.toBuilder().activate(false).build()), "not activating");
    }

    @Test
    void anotherSecretFails() {
        Job signed = signer.sign(jobFixture());
        assertFalse(new JobSigner("another-secret-of-32-characters!").verify(signed));
    }

    @Test
    void anEmptySignatureFails() {
        assertFalse(signer.verify(jobFixture()));
        assertFalse(signer.verify(signer.sign(jobFixture()).withSignature("")));
    }

    @Test
    void aSignatureOfOtherCaseOrLengthFails() {
        Job signed = signer.sign(jobFixture());
        assertFalse(signer.verify(signed.withSignature(signed.signature().toUpperCase())));
        assertFalse(signer.verify(signed.withSignature(signed.signature().substring(1))));
    }

    @Test
    void signedTextVerifiesOnlyUnchanged() {
        String sig = signer.signText("/murder/waves/job-1/0");
        assertTrue(signer.verifyText("/murder/waves/job-1/0", sig));
        assertFalse(signer.verifyText("/murder/waves/job-1/1", sig));
        assertFalse(signer.verifyText("/murder/waves/job-1/0", null));
    }

    @Test
    void aShortSecretIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new JobSigner("short"));
        assertEquals("job secret: 5 characters (expected: at least 16)", e.getMessage());
    }

    /**
     * The rack proofs' key: HMAC(secret, "murder rack proofs"), the same for every holder of the secret
     * and every version (agents of two versions during an upgrade must verify each other), another
     * for another secret, and never the signing key itself.
     */
    @Test
    void theRackProofsKeyIsDerivedFromTheSecretAloneAndStaysTheSame() {
        assertEquals("869ce394509cd8f6a42280158d44929b4147d574f48a4614b7f40c8f861c8b9c", org.murder.core.Hex.encode(signer.rackProofsKey()));
        assertFalse(java.util.Arrays.equals(signer.rackProofsKey(), new JobSigner("another secret of sixteen+").rackProofsKey()));
        assertFalse(java.util.Arrays.equals(signer.rackProofsKey(), SECRET.getBytes(StandardCharsets.UTF_8)));
    }

    /** A registration's signature covers its content whatever the order of its properties; readers of before ignore it. */
    @Test
    void aSignedNodeVerifiesAndAChangedOneDoesNot() throws Exception {
        byte[] info = Json.write(new AgentInfo("web-1", "web-1.example", "10.0.0.1", List.of("web"), "6881-6889", "/srv/app", "1.0", 5, "r1"));
        byte[] signed = signer.signNode(info);
        assertTrue(signer.verifyNode(signed));
        assertEquals(Json.read(info, AgentInfo.class), Json.read(signed, AgentInfo.class), "the registration reads the same");
        String text = new String(signed, StandardCharsets.UTF_8);
        assertTrue(text.contains("\"signature\":\""), text);
        java.util.Map<String, Object> fields = Json.MAPPER.convertValue(Json.MAPPER.valueToTree(Json.read(signed, java.util.Map.class)),
                java.util.Map.class);
        java.util.Map<String, Object> reordered = new java.util.LinkedHashMap<>();
        reordered.put("signature", fields.remove("signature"));
        new java.util.TreeMap<>(fields).descendingMap().forEach(reordered::put);
        byte[] unsorted = Json.MAPPER.copy().disable(com.fasterxml.jackson.databind.SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
                .writeValueAsBytes(reordered);
        assertTrue(new String(unsorted, StandardCharsets.UTF_8).startsWith("{\"signature\""));
        assertTrue(signer.verifyNode(unsorted), "the same content in another order");
        assertFalse(signer.verifyNode(text.replace("10.0.0.1", "10.0.0.2").getBytes(StandardCharsets.UTF_8)), "a changed field");
        assertFalse(signer.verifyNode(info), "no signature");
        assertFalse(new JobSigner("another secret of sixteen+").verifyNode(signed), "another secret");
        for (String odd : List.of("", "[]", "5", "{\"signature\":5}", "not json", "{\"signature\":null}")) {
            assertFalse(signer.verifyNode(odd.getBytes(StandardCharsets.UTF_8)), odd);
        }
    }
}
