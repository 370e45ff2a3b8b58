package org.murder.maker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.murder.core.MurderException;
import org.murder.core.metainfo.MetaInfo;

class MakeTorrentLimitsTest {
    /** A torrent of more pieces than a .torrent murder reads can hold is refused before anything is hashed, naming a size that fits. */
    @Test
    void aPieceSizeGivingATorrentTooLargeToReadIsRefusedNamingOneThatFits() {
        long most = (MetaInfo.MAX_TORRENT_FILE_SIZE - (1L << 20)) / 20;
        PieceSizes.requireReadable(most * PieceSizes.MIN, PieceSizes.MIN); // exactly the most: taken
        MurderException e = assertThrows(MurderException.class, () -> PieceSizes.requireReadable(20L << 30, PieceSizes.MIN));
        assertEquals(MurderException.BAD_INPUT, e.exitCode());
        assertEquals("piece size 16 KiB: 1310720 pieces for 20 GiB (expected: at most " + most + " pieces, the most a .torrent murder"
                + " reads holds: --piece-size 32 KiB or more)", e.getMessage());
    }

    @Test
    void theSizesChosenAlwaysFit() {
        for (long bytes = 1; bytes > 0 && bytes < (12L << 40); bytes *= 3) {
            PieceSizes.requireReadable(bytes, PieceSizes.choose(bytes));
            PieceSizes.requireReadable(bytes, PieceSizes.chooseForRelease(bytes));
        }
    }

    @Test
    void aTrackerUrlLongerThanTrackersTakeIsRefused() {
        String url = "http://deploy-1:8998/announce?" + "x".repeat(TorrentWriter.MAX_TRACKER_URL);
        MurderException e = assertThrows(MurderException.class, () -> TorrentWriter.validateTracker(url));
        assertEquals(MurderException.BAD_INPUT, e.exitCode());
        assertEquals("--tracker '" + url.substring(0, 80) + "...': " + url.length() + " characters (expected: at most 2048: each"
                + " announce adds its parameters to it, and trackers refuse longer request lines; murder's answered a 100 KB one"
                + " with 414)", e.getMessage());
        assertEquals("http://deploy-1:8998/announce", TorrentWriter.validateTracker("http://deploy-1:8998/announce"));
    }
}
