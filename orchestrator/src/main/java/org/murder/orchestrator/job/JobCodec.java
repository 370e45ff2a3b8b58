package org.murder.orchestrator.job;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

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

    private JobCodec() {
    }

    /** The node data for {@code job}. */
    public static byte[] encode(Job job) {
        byte[] json = Json.write(job);
        if (json.length <= COMPRESS_ABOVE) {
            return json;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(json.length / 4);
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(json);
        } catch (IOException e) {
            throw new IllegalStateException("gzip in memory: " + e.getMessage(), e);
        }
        return out.toByteArray();
    }

    /** True when {@code data} is gzipped (its magic bytes). */
    public static boolean isCompressed(byte[] data) {
        return data.length >= 2 && (data[0] & 0xff) == 0x1f && (data[1] & 0xff) == 0x8b;
    }

    /** The job in {@code data}; IllegalArgumentException naming what is wrong when it is not one. */
    public static Job decode(byte[] data) {
        if (data == null || data.length == 0) {
            throw new IllegalArgumentException("empty node (expected: a job's JSON)");
        }
        return Json.read(isCompressed(data) ? inflate(data) : data, Job.class);
    }

    private static byte[] inflate(byte[] data) {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(data))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(data.length * 8);
            byte[] buf = new byte[64 * 1024];
            int n;
            while ((n = in.read(buf)) > 0) {
                if (out.size() + n > MAX_JSON_BYTES) {
                    throw new IllegalArgumentException("gzipped node inflates beyond " + MAX_JSON_BYTES
                            + " bytes (expected: a job's JSON, at most that)");
                }
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new IllegalArgumentException("gzipped node unreadable: " + e.getMessage() + " (expected: a gzipped job's JSON)", e);
        }
    }
}
