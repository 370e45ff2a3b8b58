package org.murder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A download whose way to its only source is cut (iptables drops every packet of the peer's address, in
 * a namespace of the test's own) for longer than TorrentSession.NOTHING_FROM_ANYONE, then back: the
 * peer sees TCP retransmit its probe unanswered, drops the connection and dials again, the seed takes
 * the new connection for the silent one (PeerSet.SILENT), and the download finishes soon after the
 * way is back. Before, the connection waited for TCP's backed-off retransmission timer (a 30 s cut:
 * 38 s to finish after the link came back, bench/network-cut.sh).
 */
class NetworkCutIT {
    private static final int CUT_SECONDS = 25;

    @TempDir
    Path tmp;

    private static List<String> murder(String... args) {
        List<String> argv = new ArrayList<>(List.of(Netns.LAUNCHER.toString()));
        argv.addAll(List.of(args));
        return argv;
    }

    private static void cut(Netns netns, String ns, String action) {
        for (String way : List.of("-s", "-d")) {
            netns.execOk(ns, List.of("iptables", "-w", action, "INPUT", way, "127.0.0.2", "-j", "DROP"));
        }
    }

    @Test
    void aDownloadCutOffFromItsSourceDialsAgainAndFinishesOnceTheWayIsBack() throws Exception {
        Netns.requireTool("iptables", "iptables");
        try (Netns netns = Netns.open()) {
            cutAndBack(netns, netns.add());
        }
    }

    private void cutAndBack(Netns netns, String ns) throws Exception {
        Path file = tmp.resolve("rel.bin");
        byte[] data = new byte[24 * 1024 * 1024];
        new java.util.Random(3).nextBytes(data);
        Files.write(file, data);
        Path torrent = tmp.resolve("rel.torrent");
        netns.execOk(ns, murder("make-torrent", file.toString(), "--tracker", "http://127.0.0.1:6969/announce", "--out",
                torrent.toString()));
        Process seed = netns.start(ns, murder("seed", torrent.toString(), file.toString(), "--bind", "127.0.0.1", "--port-range",
                "6881-6881", "--max-up", "2MB/s"), tmp.resolve("seed.log"));
        Path down = Files.createDirectories(tmp.resolve("down"));
        Path peerLog = tmp.resolve("peer.log");
        Netns.awaitLog(seed, tmp.resolve("seed.log"), "seeding   rel.bin", 30);
        Process peer = netns.start(ns, murder("peer", torrent.toString(), down.toString(), "--bind", "127.0.0.2", "--port-range",
                "6882-6883", "--peer", "127.0.0.1:6881", "--seed-time", "0s"), peerLog);
        Path part = down.resolve("rel.bin.part");
        for (int i = 0; i < 120 && !(Files.exists(part) && allocatedKiB(part) >= 2048); i++) {
            TimeUnit.MILLISECONDS.sleep(250); // bytes on disk: what a process in another namespace shows of its download
        }
        assertTrue(peer.isAlive(), "cut before it finished: " + Files.readString(peerLog));
        cut(netns, ns, "-I");
        TimeUnit.SECONDS.sleep(CUT_SECONDS);
        cut(netns, ns, "-D");
        long back = System.nanoTime();
        assertTrue(peer.waitFor(60, TimeUnit.SECONDS), "finished within 60 s of the way back: " + Files.readString(peerLog));
        double after = (System.nanoTime() - back) / 1e9;
        String log = Files.readString(peerLog);
        assertEquals(0, peer.exitValue(), log);
        assertTrue(log.contains("md5 ok"), log);
        assertTrue(log.contains("the way to it is down; disconnecting to dial again"), log);
        assertTrue(after < 30, "finished " + after + " s after the way came back (the rest takes about 10 s at 2 MB/s)");
    }

    /** What the sparse .part holds, in KiB (du). */
    private static long allocatedKiB(Path file) {
        Netns.Result du = Netns.run(List.of("du", "-k", file.toString()));
        return du.exit() == 0 ? Long.parseLong(du.out().split("\\s+")[0]) : 0;
    }
}
