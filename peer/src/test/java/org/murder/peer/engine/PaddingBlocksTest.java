package org.murder.peer.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.murder.core.bencode.BDict;
import org.murder.core.bencode.BList;
import org.murder.core.bencode.BString;
import org.murder.core.bencode.BValue;
import org.murder.core.bencode.Bencode;
import org.murder.core.metainfo.MetaInfo;

/** Which blocks lie wholly in BEP 47 padding, piece by piece (blocks of 16 KiB, pieces of 64 KiB). */
class PaddingBlocksTest {
    private static final int BLOCK = 16 * 1024;
    private static final int PIECE = 4 * BLOCK;

    /** A torrent of files of these lengths, a negative one being padding of its absolute length. */
    private static MetaInfo torrent(long... lengths) {
        List<BValue> files = new ArrayList<>();
        long total = 0;
        for (int i = 0; i < lengths.length; i++) {
            long length = Math.abs(lengths[i]);
            total += length;
            BDict.Builder f = BDict.builder().put("length", length);
            if (lengths[i] < 0) {
                f.put("attr", "p").put("path", BList.of(BString.of(".pad"), BString.of(String.valueOf(length))));
            } else {
                f.put("path", BList.of(BString.of("f" + i)));
            }
            files.add(f.build());
        }
        int pieces = (int) ((total + PIECE - 1) / PIECE);
        return MetaInfo.parse(Bencode.encode(BDict.builder().put("info", BDict.builder().put("name", "rel")
                .put("files", new BList(files)).put("piece length", PIECE).put("pieces", BString.of(new byte[pieces * 20]))
                .build()).build()));
    }

    private static BitSet blocks(int... indexes) {
        BitSet b = new BitSet();
        for (int i : indexes) {
            b.set(i);
        }
        return b;
    }

    @Test
    void aPadToTheEndOfAPieceCoversTheBlocksThatStartInIt() {
        PaddingBlocks p = PaddingBlocks.of(torrent(20_000, -(PIECE - 20_000), 100), BLOCK);
        assertEquals(blocks(2, 3), p.of(0), "block 1 holds the file's end");
        assertEquals(new BitSet(), p.of(1));
        assertEquals(blocks(0), p.paddedPieces());
        assertTrue(p.any());
    }

    @Test
    void aPadAcrossAPieceBoundaryCoversWholeBlocksOfBoth() {
        // a file of 3 blocks and 100 bytes, a pad of 2 blocks: bytes 49,252 to 82,020 (a hostile or odd torrent)
        PaddingBlocks p = PaddingBlocks.of(torrent(3L * BLOCK + 100, -2L * BLOCK, 5), BLOCK);
        assertEquals(new BitSet(), p.of(0), "block 3 of piece 0 starts with data");
        assertEquals(blocks(0), p.of(1), "block 1 of piece 1 ends after the pad");
        assertEquals(blocks(0, 1), p.paddedPieces());
    }

    @Test
    void aPadEndingTheTorrentCoversTheShortLastBlock() {
        PaddingBlocks p = PaddingBlocks.of(torrent(PIECE + 10, -(BLOCK + 100)), BLOCK);
        assertEquals(blocks(1), p.of(1), "the last piece: block 0 holds 10 bytes of data, the short block after it only padding");
    }

    @Test
    void aTorrentWithoutPaddingHasNone() {
        PaddingBlocks p = PaddingBlocks.of(torrent(PIECE * 3L + 5), BLOCK);
        assertFalse(p.any());
        assertTrue(p.paddedPieces().isEmpty());
    }
}
