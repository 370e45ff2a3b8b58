package org.murder.orchestrator.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * A host's report as its agent stores it: the report's JSON with {@code "sig"}, the job secret's
 * signature of the report's node path and the report. Anyone who can write ZooKeeper nodes but has
 * no secret wrote "done" for a host: the deploy counted it done and exited 0, and the agent took
 * the job as finished and never downloaded it. Readers with the secret take only signed reports of
 * that path (a signed report copied to another host's or job's node is refused too); readers without
 * it (no secret on this host) read every report, and older readers ignore the extra field.
 */
public final class ReportSeal {
    static final String FIELD = "sig";

    private ReportSeal() {
    }

    /** The node's data for {@code report} at {@code path}: signed with {@code signer}, plain without one. */
    public static byte[] write(String path, HostReport report, JobSigner signer) {
        if (signer == null) {
            return Json.write(report);
        }
        ObjectNode node = Json.MAPPER.valueToTree(report);
        node.put(FIELD, signer.signText(signed(path, report)));
        try {
            return Json.MAPPER.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException("report " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * The report in {@code data} at {@code path}; with {@code signer}, only one it signed for that path.
     * Throws IllegalArgumentException for anything else (callers take it as no report).
     */
    public static HostReport read(String path, byte[] data, JobSigner signer) {
        HostReport report = Json.read(data, HostReport.class);
        if (signer == null) {
            return report;
        }
        String signature;
        try {
            JsonNode sig = Json.MAPPER.readTree(data).get(FIELD);
            signature = sig == null || !sig.isTextual() ? null : sig.asText();
        } catch (IOException e) {
            throw new IllegalArgumentException("not a HostReport (" + e.getMessage() + ")", e);
        }
        if (signature == null || !signer.verifyText(signed(path, report), signature)) {
            throw new IllegalArgumentException(signature == null ? "report not signed (expected: one its agent signed with the job"
                    + " secret); ignored" : "report signature does not match (expected: one its agent signed with the job secret for"
                    + " this node); ignored");
        }
        return report;
    }

    /**
     * {@link #read}, but a report without a good signature is still taken when it says {@code failed}: an
     * agent with another secret than the deploy's rejects its job at once with such a report (so the deploy
     * fails in seconds, not at its deadline), and a failure anyone wrote can fail a host, never make it done.
     * For readers judging a deploy; an agent deciding whether a job is finished takes only {@link #read}.
     */
    public static HostReport readTakingAnyFailure(String path, byte[] data, JobSigner signer) {
        try {
            return read(path, data, signer);
        } catch (IllegalArgumentException unsigned) {
            HostReport report = Json.read(data, HostReport.class);
            if (HostReport.FAILED.equals(report.state())) {
                return report;
            }
            throw unsigned;
        }
    }

    /** What is signed: the node's path and the report as murder writes it (what a reader parsed, written again). */
    private static String signed(String path, HostReport report) {
        return path + "\n" + new String(Json.write(report), StandardCharsets.UTF_8);
    }
}
