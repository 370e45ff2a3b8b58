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

    /** Names longer than 100 bytes from here on go in GNU long-name entries (././@LongLink), not PAX headers. */
    TarFixture gnuLongNames() {
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_GNU);
        return this;
    }

    /**
     * Raw bytes, before any entry of the tar writer (it holds what it was given in blocks of its own): one ustar header for {@code name} of type {@code type} that
     * declares {@code content.length} bytes, with its checksum {@code goodChecksum} or zeroed, then the content
     * padded to its 512-byte record (commons-compress would not write either kind of damage).
     */
    TarFixture rawEntry(String name, byte type, byte[] content, boolean goodChecksum) {
        return rawEntry(name.getBytes(StandardCharsets.UTF_8), type, new byte[0], content, goodChecksum);
    }

    /**
     * {@link #rawEntry(String, byte, byte[], boolean)} with the name's and link target's bytes as given (UTF-8 or not);
     * bytes of {@code name} from 345 on go to the POSIX header's prefix field.
     */
    TarFixture rawEntry(byte[] name, byte type, byte[] link, byte[] content, boolean goodChecksum) {
        if (tar.getBytesWritten() > 0) {
            throw new IllegalStateException("raw entries come first");
        }
        try {
            byte[] header = new byte[512];
            System.arraycopy(name, 0, header, 0, Math.min(100, name.length));
            if (name.length > 345) {
                System.arraycopy(name, 345, header, 345, Math.min(155, name.length - 345));
            }
            System.arraycopy(link, 0, header, 157, Math.min(100, link.length));
            octal(header, 100, 8, 0644);
            octal(header, 108, 8, 0);
            octal(header, 116, 8, 0);
            octal(header, 124, 12, content.length);
            octal(header, 136, 12, MTIME.toMillis() / 1000);
            header[156] = type;
            System.arraycopy("ustar\u000000".getBytes(StandardCharsets.US_ASCII), 0, header, 257, 8);
            java.util.Arrays.fill(header, 148, 156, (byte) ' ');
            long sum = 0;
            for (byte b : header) {
                sum += b & 0xff;
            }
            octal(header, 148, 7, goodChecksum ? sum : 0);
            bytes.write(header);
            bytes.write(content);
            bytes.write(new byte[(512 - content.length % 512) % 512]);
            return this;
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
    }

    private static void octal(byte[] header, int at, int width, long value) {
        String digits = String.format("%0" + (width - 1) + "o", value);
        System.arraycopy(digits.getBytes(StandardCharsets.US_ASCII), 0, header, at, width - 1);
        header[at + width - 1] = 0;
    }

    /** A global PAX header ('g'), first in the archive (see {@link #rawEntry}): its records apply to every entry after it. */
    TarFixture globalPax(java.util.Map<String, String> records) {
        java.util.Map<String, byte[]> raw = new java.util.LinkedHashMap<>();
        records.forEach((key, value) -> raw.put(key, value.getBytes(StandardCharsets.UTF_8)));
        // raw: commons-compress writes no 'path' into a global header (it takes it for the header entry's own name)
        return rawEntry("pax_global_header".getBytes(StandardCharsets.US_ASCII), TarConstants.LF_PAX_GLOBAL_EXTENDED_HEADER,
                new byte[0], paxRecords(raw), true);
    }

    /** A PAX header ('x') whose records hold these bytes (UTF-8 or not: GNU tar's 'hdrcharset=BINARY'), raw like {@link #rawEntry}. */
    TarFixture rawPax(java.util.Map<String, byte[]> records) {
        return rawEntry("./PaxHeaders/x".getBytes(StandardCharsets.US_ASCII), TarConstants.LF_PAX_EXTENDED_HEADER_LC, new byte[0],
                paxRecords(records), true);
    }

    private static byte[] paxRecords(java.util.Map<String, byte[]> records) {
        java.io.ByteArrayOutputStream data = new java.io.ByteArrayOutputStream();
        records.forEach((key, value) -> {
            byte[] start = (" " + key + "=").getBytes(StandardCharsets.US_ASCII);
            int body = start.length + value.length + 1;
            int length = body + 1;
            while (String.valueOf(length).length() + body != length) {
                length++;
            }
            data.writeBytes(String.valueOf(length).getBytes(StandardCharsets.US_ASCII));
            data.writeBytes(start);
            data.writeBytes(value);
            data.write('\n');
        });
        return data.toByteArray();
    }

    /** A file whose PAX header also holds {@code key=value}. */
    TarFixture fileWithPax(String name, String content, String key, String value) {
        TarArchiveEntry e = new TarArchiveEntry(name, true);
        e.setMode(0100644);
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        e.setSize(bytes.length);
        e.addPaxHeader(key, value);
        return put(e, MTIME, bytes);
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
