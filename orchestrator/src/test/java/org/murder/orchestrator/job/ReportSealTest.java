package org.murder.orchestrator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.murder.orchestrator.zk.ZkPaths;

class ReportSealTest {
    private static final JobSigner SIGNER = new JobSigner("a-test-secret-of-32-characters!!");
    private static final String PATH = ZkPaths.host("v2-x", "web-1");
    private final HostReport done = HostReport.accepted(100, 1_000).progress(100, 0, 1).done(2_000, "");

    @Test
    void aSignedReportReadsBackOnlyAtItsOwnPathAndUntouched() {
        byte[] sealed = ReportSeal.write(PATH, done, SIGNER);
        assertEquals(done, ReportSeal.read(PATH, sealed, SIGNER));
        assertEquals(done, Json.read(sealed, HostReport.class), "a reader that knows no seal reads the report");
        IllegalArgumentException copied = assertThrows(IllegalArgumentException.class,
                () -> ReportSeal.read(ZkPaths.host("v2-x", "web-2"), sealed, SIGNER));
        assertEquals("report signature does not match (expected: one its agent signed with the job secret for this node); ignored",
                copied.getMessage());
        byte[] tampered = new String(sealed, StandardCharsets.UTF_8).replace("\"done\"", "\"failed\"").getBytes(StandardCharsets.UTF_8);
        assertThrows(IllegalArgumentException.class, () -> ReportSeal.read(PATH, tampered, SIGNER));
        assertThrows(IllegalArgumentException.class, () -> ReportSeal.read(PATH, ReportSeal.write(PATH, done,
                new JobSigner("another-secret-of-32-characters!!")), SIGNER), "another secret");
    }

    @Test
    void anUnsignedReportIsNoneWithTheSecretAndAReportWithoutIt() {
        byte[] plain = Json.write(done);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ReportSeal.read(PATH, plain, SIGNER));
        assertEquals("report not signed (expected: one its agent signed with the job secret); ignored", e.getMessage());
        assertEquals(done, ReportSeal.read(PATH, plain, null), "no secret on this host: every report is read");
        assertThrows(IllegalArgumentException.class, () -> ReportSeal.readTakingAnyFailure(PATH, plain, SIGNER), "never done");
        HostReport failed = HostReport.accepted(100, 1_000).failed("rejected: bad signature", 2_000);
        assertEquals("rejected: bad signature", ReportSeal.readTakingAnyFailure(PATH, Json.write(failed), SIGNER).error(),
                "a failure fails the host whoever wrote it (an agent with another secret rejects its job at once)");
        assertThrows(IllegalArgumentException.class, () -> ReportSeal.read(PATH, Json.write(failed), SIGNER),
                "an agent deciding whether a job is finished takes only its own");
        assertEquals(done, ReportSeal.read(PATH, ReportSeal.write(PATH, done, null), null));
    }

    /** What is signed is the JSON as stored: a reader of another version (a field added, or one it lacks) verifies it too. */
    @Test
    void aReportOfAnotherVersionVerifiesAndHooksAndAnyTextToo() throws Exception {
        HostReport activated = HostReport.accepted(100, 1_000).progress(100, 0, 1)
                .withActivation(java.util.List.of(), "v2 \u00e9\u4e2d\ud83d\ude80", true).done(2_000, "caf\u00e9 \u001b[2J");
        byte[] sealed = ReportSeal.write(PATH, activated, SIGNER);
        assertEquals(activated, ReportSeal.read(PATH, sealed, SIGNER));
        // a newer agent's report: a field this version does not know, signed as stored
        com.fasterxml.jackson.databind.node.ObjectNode newer = (com.fasterxml.jackson.databind.node.ObjectNode) Json.MAPPER.readTree(sealed);
        newer.remove(ReportSeal.FIELD);
        newer.put("zNewField", 7).putArray("aList").add(1).add("x");
        newer.put(ReportSeal.FIELD, SIGNER.signText(ReportSeal.signed(PATH, newer)));
        assertEquals(activated, ReportSeal.read(PATH, Json.MAPPER.writeValueAsBytes(newer), SIGNER));
    }

    /** A failure anyone wrote fails its host, and says nothing else: not what it switched, nor bytes or times. */
    @Test
    void anUnsignedFailureIsItsStateAndErrorAlone() {
        HostReport claimed = HostReport.accepted(100, 1_000).progress(100, 0, 1).withActivation(java.util.List.of(), "v1", true)
                .failed("x".repeat(500), 2_000);
        HostReport taken = ReportSeal.unsignedFailure(Json.write(claimed));
        assertEquals(HostReport.FAILED, taken.state());
        assertEquals(false, taken.switched());
        assertEquals("", taken.current());
        assertEquals(0, taken.bytes());
        assertEquals(200, taken.error().length());
        assertEquals(null, ReportSeal.unsignedFailure(Json.write(done)));
    }
}
