package org.murder.orchestrator.job;


/**
 * A job's node data: its JSON, gzipped when larger than {@value #COMPRESS_ABOVE} bytes. A job for
 * thousands of hosts carries their names (and its waves name them again): 10,000 names of 30
 * characters are 340 KB of JSON, a third of ZooKeeper's 1 MB {@code jute.maxbuffer}, and about a
 * tenth of that gzipped. Small jobs stay plain JSON, readable by agents of earlier versions and by
 * {@code zkCli get}. Reading is bounded: a node that inflates beyond {@value #MAX_JSON_BYTES} bytes
 * (a gzip bomb written by hand) is refused, never inflated in full.
 */
public final class JobCodec {
    /** Jobs larger than this (JSON bytes) are stored gzipped. */
    public static final int COMPRESS_ABOVE = 64 * 1024;
    /** The largest job JSON a reader inflates. */
    public static final int MAX_JSON_BYTES = 16 * 1024 * 1024;
    /**
     * The most JSON tokens a job may have before it is read into objects: a job for 10,000 hosts in waves
     * has about 20,000. A 16 KB node anyone wrote that inflated to 16 MB of {@code [1,1,...]} became 8
     * million objects in every agent's 192 MB heap before its signature could be checked, and agents took
     * no job for minutes (then ran out of memory).
     */
    public static final int MAX_TOKENS = 500_000;

    private JobCodec() {
    }

    /** The node data for {@code job}. */
    public static byte[] encode(Job job) {
        return NodeData.deflateAbove(Json.write(job), COMPRESS_ABOVE);
    }

    /** True when {@code data} is gzipped (its magic bytes). */
    public static boolean isCompressed(byte[] data) {
        return NodeData.isGzipped(data);
    }

    /** The job in {@code data}; IllegalArgumentException naming what is wrong when it is not one. */
    public static Job decode(byte[] data) {
        if (data == null || data.length == 0) {
            throw new IllegalArgumentException("empty node (expected: a job's JSON)");
        }
        byte[] json = NodeData.inflate(data, MAX_JSON_BYTES);
        Json.requireTokensAtMost(json, MAX_TOKENS, "job");
        return Json.read(json, Job.class);
    }
}
