package org.murder.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Two network namespaces joined by a veth pair (10.213.0.1/24 and 10.213.0.2/24), each with a
 * default-DROP input policy that lets only loopback and established traffic in. The tracker and
 * the seed run in the first, the peer in the second, all through the built launcher. Without
 * {@code murder firewall --apply} the download fails (bounded by --stall-timeout); {@code --check}
 * names the missing rules; after applying in both namespaces, --check exits 0 and the download
 * completes and verifies.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class FirewallSwarmIT {
    private static final String PORTS = "6881-6882";

    @TempDir
    Path tmp;

    private Netns netns;

    @AfterEach
    void cleanUp() {
        if (netns != null) {
            netns.close();
        }
    }

    private List<String> murder(String... args) {
        List<String> argv = new ArrayList<>(List.of(Netns.LAUNCHER.toString()));
        argv.addAll(List.of(args));
        return argv;
    }

    private void defaultDrop(String ns, String backend) throws Exception {
        if (backend.equals("nftables")) {
            Path conf = tmp.resolve(ns + ".nft");
            Files.writeString(conf, "table inet filter {\n  chain input {\n    type filter hook input priority filter; policy drop;\n"
                    + "    ct state established,related accept\n    iif lo accept\n  }\n}\n");
            netns.execOk(ns, List.of("nft", "-f", conf.toString()));
        } else {
            netns.execOk(ns, List.of("iptables", "-w", "-P", "INPUT", "DROP"));
            netns.execOk(ns, List.of("iptables", "-w", "-A", "INPUT", "-i", "lo", "-j", "ACCEPT"));
            netns.execOk(ns, List.of("iptables", "-w", "-A", "INPUT", "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"iptables", "nftables"})
    void theDownloadNeedsTheFirewallRulesAndWorksWithThem(String backend) throws Exception {
        Netns.requireTool(backend.equals("nftables") ? "nft" : "iptables", backend);
        netns = Netns.open();
        String a = netns.add();
        String b = netns.add();
        netns.link(a, "10.213.0.1/24", b, "10.213.0.2/24");
        defaultDrop(a, backend);
        defaultDrop(b, backend);

        byte[] data = new byte[3 * 1024 * 1024 + 77];
        new Random(6).nextBytes(data);
        Path seedDir = Files.createDirectories(tmp.resolve("seed"));
        Files.write(seedDir.resolve("release.bin"), data);
        Path torrent = tmp.resolve("release.torrent");
        CliRun made = CliRun.of("make-torrent", seedDir.resolve("release.bin").toString(), "--tracker",
                "http://10.213.0.1:8998/announce", "--out", torrent.toString(), "--piece-size", "256KiB");
        assertEquals(0, made.exitCode(), made.err());

        netns.trackerAndSeed(a, "10.213.0.1", torrent, seedDir.resolve("release.bin"), PORTS, tmp);

        List<String> fw = List.of("firewall", "--backend", backend, "--port-range", PORTS);
        Netns.Result check = netns.exec(b, murder(concat(fw, "--check")));
        assertEquals(1, check.exit(), check.out());
        assertTrue(check.out().contains("missing") && check.out().contains("3 missing, 0 extra"), check.out());

        Path dest = Files.createDirectories(tmp.resolve("dest"));
        List<String> peer = murder("peer", torrent.toString(), dest.toString(), "--port-range", PORTS, "--seed-time", "0s",
                "--stall-timeout", "8s", "--bind", "10.213.0.2", "--ip", "10.213.0.2");
        long t0 = System.nanoTime();
        Netns.Result blocked = netns.exec(b, peer);
        double blockedSeconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(1, blocked.exit(), blocked.out());
        assertTrue(blocked.out().contains("no data from any peer for 8s"), blocked.out());
        assertTrue(blockedSeconds < 40, "bounded by the stall timeout: " + blockedSeconds + " s");
        assertTrue(!Files.exists(dest.resolve("release.bin")));

        for (String ns : List.of(a, b)) {
            Netns.Result applied = netns.exec(ns, murder(concat(fw, "--apply")));
            assertEquals(0, applied.exit(), applied.out());
            Netns.Result ok = netns.exec(ns, murder(concat(fw, "--check")));
            assertEquals(0, ok.exit(), ok.out());
            assertTrue(ok.out().contains("every rule in place"), ok.out());
        }

        Netns.Result done = netns.exec(b, peer);
        assertEquals(0, done.exit(), done.out());
        assertTrue(done.out().contains("md5 ") && done.out().contains(" ok"), done.out());
        assertArrayEquals(data, Files.readAllBytes(dest.resolve("release.bin")));
    }

    private static String[] concat(List<String> opts, String action) {
        List<String> all = new ArrayList<>(opts);
        all.add(action);
        return all.toArray(String[]::new);
    }
}
