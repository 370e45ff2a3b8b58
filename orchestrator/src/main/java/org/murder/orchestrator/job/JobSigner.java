package org.murder.orchestrator.job;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.murder.core.Hex;

/**
 * Signs jobs with HMAC-SHA256 over their canonical JSON (sorted properties, empty signature) and
 * verifies them in constant time. The deploy host and every agent share the secret.
 */
public final class JobSigner {
    private final SecretKeySpec key;

    public JobSigner(String secret) {
        if (secret == null || secret.length() < 16) {
            throw new IllegalArgumentException("job secret: " + (secret == null ? 0 : secret.length())
                    + " characters (expected: at least 16)");
        }
        this.key = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
    }

    public Job sign(Job job) {
        return job.withSignature(mac(job));
    }

    /** True when the job carries the signature of its own content under our secret. */
    public boolean verify(Job job) {
        if (job.signature().isEmpty()) {
            return false;
        }
        return MessageDigest.isEqual(mac(job).getBytes(StandardCharsets.US_ASCII),
                job.signature().getBytes(StandardCharsets.US_ASCII));
    }

    /** The signature of {@code text} (a wave's path: the deployer's word that a wave may switch). */
    public String signText(String text) {
        return mac(text.getBytes(StandardCharsets.UTF_8));
    }

    public boolean verifyText(String text, String signature) {
        return signature != null && MessageDigest.isEqual(signText(text).getBytes(StandardCharsets.US_ASCII),
                signature.getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * {@code json}, a JSON object (an agent's registration), with a {@code signature} property: the
     * HMAC of the object without it, its properties sorted. Readers that know nothing of it ignore it.
     */
    public byte[] signNode(byte[] json) {
        try {
            com.fasterxml.jackson.databind.node.ObjectNode o = (com.fasterxml.jackson.databind.node.ObjectNode) Json.MAPPER.readTree(json);
            o.put("signature", mac(Json.withoutSignature(json)));
            return Json.MAPPER.writeValueAsBytes(Json.MAPPER.convertValue(o, Object.class));
        } catch (java.io.IOException | ClassCastException e) {
            throw new IllegalArgumentException("sign node: not a JSON object (" + e.getMessage() + ")", e);
        }
    }

    /** Whether {@code data} carries the signature of its own content under our secret (see {@link #signNode}). */
    public boolean verifyNode(byte[] data) {
        try {
            com.fasterxml.jackson.databind.JsonNode signature = Json.MAPPER.readTree(data).get("signature");
            return signature != null && signature.isTextual() && MessageDigest.isEqual(mac(Json.withoutSignature(data))
                    .getBytes(StandardCharsets.US_ASCII), signature.asText().getBytes(StandardCharsets.US_ASCII));
        } catch (java.io.IOException | IllegalArgumentException | NullPointerException e) {
            return false; // not JSON, not an object
        }
    }

    /** The key of the rack proofs of the engines of a deploy (agents and the origin; see RackProofs). */
    public byte[] rackProofsKey() {
        return derivedKey("murder rack proofs");
    }

    /**
     * A key for another use of the secret, {@code HMAC(secret, label)}: what signs jobs never
     * serves anything else as it is (the rack proofs of the agents' engines, see RackProofs).
     */
    public byte[] derivedKey(String label) {
        return Hex.decode(mac(label.getBytes(StandardCharsets.UTF_8)));
    }

    private String mac(Job job) {
        return mac(Json.write(job.withSignature("")));
    }

    private String mac(byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return Hex.encode(mac.doFinal(data));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256: " + e.getMessage(), e);
        }
    }
}
