package org.murder.orchestrator.job;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * A ZooKeeper node's data, gzipped when it is large (a job or a lock naming thousands of hosts);
 * recognised by gzip's magic bytes, so small nodes stay plain JSON. Inflating is bounded.
 */
public final class NodeData {
    private NodeData() {
    }

    /** {@code data} as is when it is at most {@code threshold} bytes, else gzipped. */
    public static byte[] deflateAbove(byte[] data, int threshold) {
        if (data.length <= threshold) {
            return data;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(data.length / 4);
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        } catch (IOException e) {
            throw new IllegalStateException("gzip in memory: " + e.getMessage(), e);
        }
        return out.toByteArray();
    }

    public static boolean isGzipped(byte[] data) {
        return data != null && data.length >= 2 && (data[0] & 0xff) == 0x1f && (data[1] & 0xff) == 0x8b;
    }

    /** {@code data} inflated when gzipped, else as is; IllegalArgumentException when it is corrupt or inflates beyond {@code max}. */
    public static byte[] inflate(byte[] data, int max) {
        if (!isGzipped(data)) {
            return data;
        }
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(data))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(max, data.length * 8));
            byte[] buf = new byte[64 * 1024];
            int n;
            while ((n = in.read(buf)) > 0) {
                if (out.size() + n > max) {
                    throw new IllegalArgumentException("gzipped node inflates beyond " + max + " bytes (expected: at most that)");
                }
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new IllegalArgumentException("gzipped node unreadable: " + e.getMessage() + " (expected: gzipped JSON)", e);
        }
    }
}
