package org.murder.orchestrator.release;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Builds a .tar.gz entry by entry, hostile ones included: names and link targets are written as
 * given (absolute ones too), owner 0:0 like make-torrent writes.
 */
final class TarFixture {
    static final FileTime MTIME = FileTime.fromMillis(1_700_000_000_000L);

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes);

    private TarFixture() {
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    }

    static TarFixture tarFixture() {
        return new TarFixture();
    }

    TarFixture dir(String name) {
        return dir(name, 0755, MTIME);
    }

    TarFixture dir(String name, int mode, FileTime mtime) {
        TarArchiveEntry e = new TarArchiveEntry(name.endsWith("/") ? name : name + "/", TarConstants.LF_DIR, true);
        e.setMode(040000 | mode);
        return put(e, mtime, null);
    }

    TarFixture file(String name, String content) {
        return file(name, content.getBytes(StandardCharsets.UTF_8), 0644, MTIME);
    }

    TarFixture file(String name, byte[] content, int mode, FileTime mtime) {
        TarArchiveEntry e = new TarArchiveEntry(name, true);
        e.setMode(0100000 | mode);
        e.setSize(content.length);
        return put(e, mtime, content);
    }

    /** A file header that declares {@code size} bytes; the content is zeros. */
    TarFixture file(String name, int size) {
        return file(name, new byte[size], 0644, MTIME);
    }

    TarFixture symlink(String name, String target) {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK, true);
        e.setLinkName(target);
        e.setMode(0120777);
        return put(e, MTIME, null);
    }

    TarFixture hardLink(String name, String target) {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_LINK, true);
        e.setLinkName(target);
        e.setMode(0100644);
        return put(e, MTIME, null);
    }

    /** A device or fifo entry: {@link TarConstants#LF_CHR}, {@link TarConstants#LF_BLK}, {@link TarConstants#LF_FIFO}. */
    TarFixture special(String name, byte type) {
        TarArchiveEntry e = new TarArchiveEntry(name, type, true);
        e.setMode(0666);
        e.setDevMajor(1);
        e.setDevMinor(3);
        return put(e, MTIME, null);
    }

    private TarFixture put(TarArchiveEntry e, FileTime mtime, byte[] content) {
        try {
            e.setModTime(mtime);
            e.setUserId(0);
            e.setGroupId(0);
            tar.putArchiveEntry(e);
            if (content != null) {
                tar.write(content);
            }
            tar.closeArchiveEntry();
            return this;
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
    }

    /** The tar stream, finished. */
    byte[] tarBytes() {
        try {
            tar.finish();
            tar.close();
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
        return bytes.toByteArray();
    }

    Path write(Path file) {
        return write(file, 1);
    }

    /** Writes the archive as {@code members} concatenated gzip members (like parallel gzip). */
    Path write(Path file, int members) {
        byte[] raw = tarBytes();
        try (OutputStream out = Files.newOutputStream(file)) {
            int step = Math.max(1, (raw.length + members - 1) / members);
            for (int off = 0; off < raw.length; off += step) {
                ByteArrayOutputStream member = new ByteArrayOutputStream();
                try (GZIPOutputStream gz = new GZIPOutputStream(member)) {
                    gz.write(raw, off, Math.min(step, raw.length - off));
                }
                out.write(member.toByteArray());
            }
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
        return file;
    }
}
