package org.murder.core.metainfo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.murder.core.ByteSize;
import org.murder.core.InfoHash;
import org.murder.core.MurderException;
import org.murder.core.bencode.BencodeDecoder;
import org.murder.core.bencode.BencodeDocument;
import org.murder.core.bencode.BencodeLimits;
import org.murder.core.crypto.Digests;
import org.murder.core.io.SmallFiles;

/**
 * A parsed, validated .torrent (BEP 3 single- and multi-file, BEP 12 announce-list, BEP 27
 * private). The infohash is the SHA-1 of the original {@code info} bytes. Immutable.
 */
public final class MetaInfo {
    /**
     * Larger .torrent files are refused before they are read: 800,000 pieces of hashes (13 TB in 16 MiB pieces, 12 GB
     * in 16 KiB). A peer's 192 MiB heap holds the file, its decoded values and the piece hashes at once: a valid
     * 30 MB torrent of 1.5 million pieces ran a peer, a seed, and the whole seed --dir service out of heap (exit 3, again
     * at every restart) when this was 64 MiB. libtorrent's default limit is 10 MB.
     */
    public static final long MAX_TORRENT_FILE_SIZE = 16L << 20;

    private final InfoHash infoHash;
    private final byte[] infoBytes;
    private final String name;
    private final long pieceLength;
    private final byte[] pieces;
    private final List<TorrentFile> files;
    private final boolean multiFile;
    private final boolean privateFlag;
    private final Optional<String> announce;
    private final List<List<String>> announceList;
    private final Optional<Instant> creationDate;
    private final Optional<String> createdBy;
    private final Optional<String> comment;

    MetaInfo(byte[] infoBytes, String name, long pieceLength, byte[] pieces, List<TorrentFile> files,
            boolean multiFile, boolean privateFlag, Optional<String> announce, List<List<String>> announceList,
            Optional<Instant> creationDate, Optional<String> createdBy, Optional<String> comment) {
        this.infoBytes = infoBytes.clone();
        this.infoHash = InfoHash.of(Digests.sha1().digest(infoBytes));
        this.name = name;
        this.pieceLength = pieceLength;
        this.pieces = pieces.clone();
        this.files = List.copyOf(files);
        this.multiFile = multiFile;
        this.privateFlag = privateFlag;
        this.announce = announce;
        this.announceList = announceList.stream().map(List::copyOf).toList();
        this.creationDate = creationDate;
        this.createdBy = createdBy;
        this.comment = comment;
    }

    /**
     * Whether {@code name} may be a torrent's {@code info.name} (or a file's path component): what {@link #parse}
     * takes, so a maker can refuse one before it writes anything.
     */
    public static boolean isFileName(String name) {
        try {
            MetaInfoParser.fileName(name, "name");
            return true;
        } catch (MetaInfoException e) {
            return false;
        }
    }

    /** Parses and validates .torrent bytes; throws {@link MetaInfoException} or {@code BencodeException}. */
    public static MetaInfo parse(byte[] torrent) {
        BencodeDocument doc = new BencodeDecoder(BencodeLimits.DEFAULT).decodeDocument(torrent);
        return MetaInfoParser.parse(doc);
    }

    /**
     * The most the tracker's whitelist and {@code murder info} read, with their larger heaps: they take the torrents
     * they took before the {@link #MAX_TORRENT_FILE_SIZE} of a peer came down from this.
     */
    public static final long MAX_TORRENT_FILE_SIZE_TO_LIST = 64L << 20;

    /** Reads and parses a .torrent file; every error message starts with the file name. */
    public static MetaInfo read(Path torrentFile) {
        return read(torrentFile, MAX_TORRENT_FILE_SIZE);
    }

    /** {@link #read(Path)}, refusing a file larger than {@code maxBytes}. */
    public static MetaInfo read(Path torrentFile, long maxBytes) {
        String name = org.murder.core.Printable.escape(torrentFile.toString());
        try {
            if (SmallFiles.refused(torrentFile)) {
                // a FIFO would block the read, a device (/dev/zero) never end it; their size says nothing
                throw MurderException.badInput(name + ": not a regular file (expected: a .torrent file)");
            }
            byte[] bytes = SmallFiles.readAtMost(torrentFile, maxBytes + 1);
            if (bytes.length > maxBytes) {
                throw MurderException.badInput(name + ": more than " + ByteSize.format(maxBytes)
                        + " (expected: a .torrent of at most " + ByteSize.format(maxBytes) + ")");
            }
            return parse(bytes);
        } catch (NoSuchFileException e) {
            throw MurderException.badInput(name + ": no such file");
        } catch (IOException e) {
            throw MurderException.badInput(name + ": cannot read: " + org.murder.core.io.IoErrors.reason(e)
                    + " (expected: a readable .torrent file)", e);
        } catch (MurderException e) {
            if (e.getMessage().startsWith(name)) {
                throw e;
            }
            throw MurderException.badInput(name + ": " + e.getMessage(), e);
        }
    }

    public InfoHash infoHash() {
        return infoHash;
    }

    /** The original bencoded {@code info} dictionary. */
    public byte[] infoBytes() {
        return infoBytes.clone();
    }

    public String name() {
        return name;
    }

    public long pieceLength() {
        return pieceLength;
    }

    public int pieceCount() {
        return pieces.length / 20;
    }

    /** The expected SHA-1 of piece {@code index}. */
    public byte[] pieceHash(int index) {
        if (index < 0 || index >= pieceCount()) {
            throw new IndexOutOfBoundsException("piece index " + index + " out of range [0, " + pieceCount() + ")");
        }
        return Arrays.copyOfRange(pieces, index * 20, index * 20 + 20);
    }

    /** Length of piece {@code index}: the piece length, except for a shorter last piece. */
    public long pieceSize(int index) {
        if (index < 0 || index >= pieceCount()) {
            throw new IndexOutOfBoundsException("piece index " + index + " out of range [0, " + pieceCount() + ")");
        }
        return index == pieceCount() - 1 ? totalLength() - (long) index * pieceLength : pieceLength;
    }

    public List<TorrentFile> files() {
        return files;
    }

    public boolean isMultiFile() {
        return multiFile;
    }

    public long totalLength() {
        TorrentFile last = files.get(files.size() - 1);
        return last.offset() + last.length();
    }

    /** The bytes of BEP 47 padding files: zeros that align files to pieces, never on disk; {@link #totalLength} counts them. */
    public long paddingBytes() {
        return files.stream().filter(TorrentFile::padding).mapToLong(TorrentFile::length).sum();
    }

    public boolean isPrivate() {
        return privateFlag;
    }

    public Optional<String> announce() {
        return announce;
    }

    /** BEP 12 tiers as written; empty when the torrent has none. */
    public List<List<String>> announceList() {
        return announceList;
    }

    /** The trackers to use, in tiers: announce-list when present (BEP 12), else the single announce URL. */
    public List<List<String>> trackerTiers() {
        if (!announceList.isEmpty()) {
            return announceList;
        }
        return announce.map(a -> List.of(List.of(a))).orElse(List.of());
    }

    public Optional<Instant> creationDate() {
        return creationDate;
    }

    public Optional<String> createdBy() {
        return createdBy;
    }

    public Optional<String> comment() {
        return comment;
    }

    @Override
    public String toString() {
        return "MetaInfo[" + name + " " + infoHash.toHex() + " " + ByteSize.format(totalLength()) + " in "
                + pieceCount() + " x " + ByteSize.format(pieceLength) + "]";
    }

    static List<TorrentFile> withOffsets(List<List<String>> paths, List<Long> lengths) {
        return withOffsets(paths, lengths, new java.util.BitSet());
    }

    /** As above; {@code padding} marks the BEP 47 padding files by index. */
    static List<TorrentFile> withOffsets(List<List<String>> paths, List<Long> lengths, java.util.BitSet padding) {
        List<TorrentFile> out = new ArrayList<>(paths.size());
        long offset = 0;
        for (int i = 0; i < paths.size(); i++) {
            out.add(new TorrentFile(paths.get(i), lengths.get(i), offset, padding.get(i)));
            offset = Math.addExact(offset, lengths.get(i));
        }
        return out;
    }
}
