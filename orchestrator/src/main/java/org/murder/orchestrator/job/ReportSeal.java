package org.murder.orchestrator.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A host's report as its agent stores it: the report's JSON with {@code "sig"}, the job secret's
 * signature of the report's node path and of the JSON itself (keys sorted at every level, {@code sig}
 * left out). Anyone who can write ZooKeeper nodes but has no secret wrote "done" for a host: the deploy
 * counted it done and exited 0, and the agent took the job as finished and never downloaded it.
 * Readers with the secret take only signed reports of that path (a signed report copied to another
 * host's or job's node is refused too); readers without it (no secret on this host) read every report,
 * and older readers ignore the extra field. What is signed is the JSON as stored, not a report read and
 * written again, so a reader of another version (fields added or dropped) verifies it all the same.
 */
public final class ReportSeal {
    static final String FIELD = "sig";
    /** The longest error an unsigned failure keeps. */
    private static final int UNSIGNED_ERROR_CHARS = 200;

    private ReportSeal() {
    }

    /** The node's data for {@code report} at {@code path}: signed with {@code signer}, plain without one. */
    public static byte[] write(String path, HostReport report, JobSigner signer) {
        if (signer == null) {
            return Json.write(report);
        }
        ObjectNode node = Json.MAPPER.valueToTree(report);
        node.put(FIELD, signer.signText(signed(path, node)));
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
        ObjectNode node;
        try {
            JsonNode tree = Json.MAPPER.readTree(data);
            if (!(tree instanceof ObjectNode object)) {
                throw new IllegalArgumentException("not a HostReport (not a JSON object)");
            }
            node = object;
        } catch (IOException e) {
            throw new IllegalArgumentException("not a HostReport (" + e.getMessage() + ")", e);
        }
        JsonNode sig = node.remove(FIELD);
        String signature = sig == null || !sig.isTextual() ? null : sig.asText();
        if (signature == null || !signer.verifyText(signed(path, node), signature)) {
            throw new IllegalArgumentException(signature == null ? "report not signed (expected: one its agent signed with the job"
                    + " secret); ignored" : "report signature does not match (expected: one its agent signed with the job secret for"
                    + " this node); ignored");
        }
        return report;
    }

    /**
     * The failure {@code data} says, whoever wrote it, as its state and error alone (no bytes, times,
     * {@code current} or {@code switched}: those are believed only signed); null when it is not a
     * {@code failed} report. An agent with another secret than the deploy's rejects its job at once with
     * such a report, so the deploy fails in seconds, not at its deadline; a failure can fail a host, never
     * make it done, and never name what a host switched.
     */
    public static HostReport unsignedFailure(byte[] data) {
        HostReport report;
        try {
            report = Json.read(data, HostReport.class);
        } catch (IllegalArgumentException e) {
            return null;
        }
        if (!HostReport.FAILED.equals(report.state())) {
            return null;
        }
        String error = report.error().length() <= UNSIGNED_ERROR_CHARS ? report.error()
                : report.error().substring(0, UNSIGNED_ERROR_CHARS - 3) + "...";
        return new HostReport(HostReport.FAILED, 0, 0, 0, 0, error, 0, 0, "", 0, 0, 0);
    }

    /**
     * {@link #read}, else {@link #unsignedFailure}: for readers judging a deploy's hosts; an agent deciding
     * whether a job is finished takes only {@link #read}.
     */
    public static HostReport readTakingAnyFailure(String path, byte[] data, JobSigner signer) {
        try {
            return read(path, data, signer);
        } catch (IllegalArgumentException unsigned) {
            HostReport failure = unsignedFailure(data);
            if (failure == null) {
                throw unsigned;
            }
            return failure;
        }
    }

    /** What is signed: the node's path and the report's JSON with its keys sorted at every level. */
    static String signed(String path, JsonNode report) {
        try {
            return path + "\n" + Json.MAPPER.writeValueAsString(canonical(report));
        } catch (IOException e) {
            throw new IllegalStateException("report " + path + ": " + e.getMessage(), e);
        }
    }

    private static JsonNode canonical(JsonNode node) {
        if (node instanceof ObjectNode object) {
            List<String> names = new ArrayList<>();
            object.fieldNames().forEachRemaining(names::add);
            Collections.sort(names);
            ObjectNode sorted = Json.MAPPER.createObjectNode();
            for (String name : names) {
                sorted.set(name, canonical(object.get(name)));
            }
            return sorted;
        }
        if (node instanceof ArrayNode array) {
            ArrayNode out = Json.MAPPER.createArrayNode();
            array.forEach(e -> out.add(canonical(e)));
            return out;
        }
        return node;
    }
}
