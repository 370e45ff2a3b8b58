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
        assertEquals(failed, ReportSeal.readTakingAnyFailure(PATH, Json.write(failed), SIGNER),
                "a failure fails the host whoever wrote it (an agent with another secret rejects its job at once)");
        assertThrows(IllegalArgumentException.class, () -> ReportSeal.read(PATH, Json.write(failed), SIGNER),
                "an agent deciding whether a job is finished takes only its own");
        assertEquals(done, ReportSeal.read(PATH, ReportSeal.write(PATH, done, null), null));
    }
}
