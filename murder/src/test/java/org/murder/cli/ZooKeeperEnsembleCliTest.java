package org.murder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.murder.core.MurderException;
import org.murder.core.cli.ConfigDefaults;
import org.murder.orchestrator.zk.EnsembleZooKeeper;
import org.murder.orchestrator.zk.EnsembleZooKeeper.Member;

/** {@code murder zookeeper} in ensemble mode: what it refuses, in one line, before any server starts. */
class ZooKeeperEnsembleCliTest {
    private static final String[] THREE = {"--server", "1=127.0.0.1:2888:3888", "--server", "2=127.0.0.1:2889:3889", "--server",
        "3=127.0.0.1:2890:3890"};

    @TempDir
    Path tmp;

    private CliRun zookeeper(String... args) throws Exception {
        Path conf = tmp.resolve("murder.conf");
        Files.writeString(conf, "");
        List<String> all = new java.util.ArrayList<>(List.of("zookeeper", "--data-dir", tmp.resolve("zk").toString()));
        all.addAll(List.of(args));
        return CliRun.with(new ConfigDefaults(name -> null, conf), all.toArray(String[]::new));
    }

    private static String[] with(String[] a, String... b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private static void assertOneLine(CliRun r, int exit, String expected) {
        assertEquals(exit, r.exitCode(), r.err());
        assertEquals("murder: " + expected + "\n", r.err());
        assertEquals("", r.out());
    }

    @Test
    void thePurgeKeepsThreeSnapshotsAtLeast() throws Exception {
        assertOneLine(zookeeper("--snap-retain-count", "2"), 2,
                "--snap-retain-count: 2 (expected: 3 or more: ZooKeeper keeps at least that many)");
        assertOneLine(zookeeper(with(THREE, "--myid", "1", "--snap-retain-count", "0")), 2,
                "--snap-retain-count: 0 (expected: 3 or more: ZooKeeper keeps at least that many)");
    }

    @Test
    void malformedSpecsAreOneLineErrors() throws Exception {
        assertOneLine(zookeeper("--myid", "1", "--server", "1=zk1:2888"), 2,
                "--server: '1=zk1:2888' (expected: N=HOST:PEERPORT:ELECTIONPORT, e.g. 1=zk1:2888:3888)");
        assertOneLine(zookeeper("--myid", "1", "--server", "zk1:2888:3888"), 2,
                "--server: 'zk1:2888:3888' (expected: N=HOST:PEERPORT:ELECTIONPORT, e.g. 1=zk1:2888:3888)");
        assertOneLine(zookeeper("--myid", "1", "--server", "0=zk1:2888:3888"), 2,
                "--server: '0=zk1:2888:3888': id 0 (expected: 1 to 255)");
        assertOneLine(zookeeper("--myid", "1", "--server", "1=zk1:70000:3888"), 2,
                "--server: '1=zk1:70000:3888': port 70000 (expected: 1 to 65535)");
        assertOneLine(zookeeper("--myid", "1", "--server", "1=zk1:2888:2888"), 2,
                "--server: '1=zk1:2888:2888': the peer and election ports are both 2888 (expected: two ports, e.g. 2888:3888)");
        assertOneLine(zookeeper("--myid", "1", "--servers", "1=a:2888:3888,1=b:2888:3888,3=c:2888:3888"), 2,
                "--server: id 1 given twice (expected: one --server per member, ids unique)");
        assertOneLine(zookeeper("--myid", "1", "--servers", "1=a:2888:3888,2=a:2888:3889,3=c:2888:3888"), 2,
                "--server 2=a:2888:3889: a:2888 is used by another member too (expected: distinct ports for members on one host)");
        assertOneLine(zookeeper("--myid", "1", "--port", "2888", "--servers", "1=a:2888:3888,2=b:2888:3888,3=c:2888:3888"), 2,
                "--server 1=a:2888:3888: port 2888 is this member's --port for clients too (expected: peer, election and client ports"
                        + " all different)");
        assertOneLine(zookeeper("--myid", "1", "--port", "2889", "--servers", "1=a:2888:3888,2=a:2889:3889,3=c:2888:3888"), 2,
                "--server 2=a:2889:3889: port 2889 is also the --port for clients of member 1 on the same host (expected: peer,"
                        + " election and client ports all different)");
        assertEquals(new Member(2, "zk2", 2888, 3888), Member.parse("server.2=zk2:2888:3888"), "zoo.cfg's own form");
        assertEquals(new Member(3, "[::1]", 2888, 3888), Member.parse("3=[::1]:2888:3888"));
    }

    @Test
    void theEnsembleAndThisMembersIdAreChecked() throws Exception {
        assertOneLine(zookeeper(with(THREE, "--myid", "4")), 2, "--myid 4: not among the --server ids [1, 2, 3] (expected: this"
                + " server's own id)");
        assertOneLine(zookeeper(THREE), 2, "--server: ensemble mode needs --myid (expected: this server's id among [1, 2, 3])");
        assertOneLine(zookeeper("--myid", "1"), 2,
                "--myid: only in ensemble mode (expected: --server N=HOST:PEERPORT:ELECTIONPORT for each member too)");
        assertOneLine(zookeeper("--tick-time", "500"), 2, "--tick-time: only in ensemble mode (expected: with --myid and --server)");
        assertOneLine(zookeeper("--myid", "1", "--servers", "1=a:2888:3888,2=b:2888:3888"), 2, "--server: 2 members (expected: 3 or 5;"
                + " an ensemble of 1 or 2 survives no failure: for one server, leave out --server and --myid)");
        assertOneLine(zookeeper(with(THREE, "--myid", "1", "--sync-limit", "0")), 2, "--sync-limit: 0 (expected: a positive number)");
        assertTrue(EnsembleZooKeeper.check(List.of(Member.parse("1=a:1:2"), Member.parse("2=b:1:2"), Member.parse("3=c:1:2")), 1)
                .isEmpty());
        assertEquals("warning: 4 members need 3 up and survive 1 failure, no more than 3 would: an odd count (3 or 5) is the usual choice",
                EnsembleZooKeeper.check(List.of(Member.parse("1=a:1:2"), Member.parse("2=b:1:2"), Member.parse("3=c:1:2"),
                        Member.parse("4=d:1:2")), 4));
    }

    @Test
    void myidIsWrittenOnceAndAnotherIdIsRefused() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("zk"));
        EnsembleZooKeeper.writeMyid(dir, 2);
        assertEquals("2\n", Files.readString(dir.resolve("myid")));
        EnsembleZooKeeper.writeMyid(dir, 2);
        MurderException e = assertThrows(MurderException.class, () -> EnsembleZooKeeper.writeMyid(dir, 3));
        assertEquals(2, e.exitCode());
        assertEquals("--myid 3: " + dir.resolve("myid") + " says 2 (expected: the id this data directory was made with; another"
                + " member's data directory, or remove the file to rejoin as a new member)", e.getMessage());
        assertOneLine(zookeeper(with(THREE, "--myid", "3")), 2, e.getMessage());
    }

    @Test
    void aClientPortInUseIsOneLineAndExit1() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            assertOneLine(zookeeper(with(THREE, "--myid", "1", "--bind", "127.0.0.1", "--port", String.valueOf(port))), 1,
                    "zookeeper: cannot listen on 127.0.0.1:" + port + " (client port): address already in use");
            int free;
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
                free = s.getLocalPort();
            }
            assertOneLine(zookeeper("--myid", "1", "--bind", "127.0.0.1", "--port", String.valueOf(free), "--servers",
                    "1=127.0.0.1:" + port + ":3888,2=127.0.0.1:2889:3889,3=127.0.0.1:2890:3890"), 1,
                    "zookeeper: cannot listen on 127.0.0.1:" + port + " (peer port of member 1): address already in use");
        }
    }
}
