package org.murder.orchestrator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class JobCodecTest {
    private static final JobSigner SIGNER = new JobSigner("test-secret-0123456789abcdef");

    private static Job job(int hosts) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < hosts; i++) {
            names.add(String.format("web-%05d.rack%02d.dc1.example.com", i, i % 40));
        }
        byte[] pieces = new byte[1500 * 20]; // a torrent of 1,500 pieces: random hashes do not compress
        new Random(1).nextBytes(pieces);
        return SIGNER.sign(Job.builder().id("v1-20261203T010203-abcd").type(Job.DEPLOY).tag("v1")
                .torrent(Base64.getEncoder().encodeToString(pieces)).md5("0123456789abcdef0123456789abcdef").size(1L << 30)
                .seedSeconds(30).activate(true).keep(5).hosts(names).selector("--hosts web-*").createdAt(1).deadline(2).build());
    }

    @Test
    void aSmallJobStaysPlainJsonForEarlierAgents() {
        Job small = job(3);
        byte[] data = JobCodec.encode(small);
        assertFalse(JobCodec.isCompressed(data));
        assertEquals(small, Json.read(data, Job.class));
        assertEquals(small, JobCodec.decode(data));
    }

    @Test
    void aJobForTenThousandHostsIsGzippedWellUnderTheNodeLimitAndStillVerifies() {
        Job big = job(10_000);
        byte[] data = JobCodec.encode(big);
        assertTrue(JobCodec.isCompressed(data));
        assertTrue(Json.write(big).length > 300_000, "the JSON alone is " + Json.write(big).length);
        assertTrue(data.length < 150_000, "stored " + data.length + " bytes");
        Job read = JobCodec.decode(data);
        assertEquals(10_000, read.hosts().size());
        assertTrue(SIGNER.verify(read), "the signature covers the job, not its encoding");
    }

    @Test
    void aGzipBombIsRefusedWithoutInflatingItInFull() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 64; i++) {
                gz.write(zeros); // 64 MB of zeros: about 64 KB gzipped
            }
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JobCodec.decode(out.toByteArray()));
        assertTrue(e.getMessage().contains("inflates beyond"), e.getMessage());
    }

    /** A 16 KB node inflating to 16 MB of {@code [1,1,...]}: under the size cap, and 8 million objects in an agent's heap. */
    @Test
    void aJobOfMillionsOfValuesIsRefusedBeforeAnyIsMade() throws Exception {
        ByteArrayOutputStream bomb = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bomb)) {
            gz.write("{\"hosts\":[".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            byte[] ones = "1,".repeat(1 << 20).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            for (int i = 0; i < 7; i++) {
                gz.write(ones); // 14 MB, 7 million values
            }
            gz.write("1]}".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }
        assertTrue(bomb.size() < 64 * 1024, bomb.size() + " bytes");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JobCodec.decode(bomb.toByteArray()));
        assertEquals("a job of more than " + JobCodec.MAX_TOKENS + " JSON values (expected: at most that)", e.getMessage());
    }

    @Test
    void garbageIsAOneLineReason() {
        for (byte[] bad : List.of(new byte[0], new byte[] {0x1f, (byte) 0x8b, 1, 2, 3}, "{not json".getBytes(),
                "[1,2]".getBytes())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JobCodec.decode(bad));
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
            assertTrue(e.getMessage().contains("expected") || e.getMessage().contains("not a Job"), e.getMessage());
        }
    }
}
