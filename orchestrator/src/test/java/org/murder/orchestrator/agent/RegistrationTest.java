package org.murder.orchestrator.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;
import org.murder.orchestrator.zk.Zk;
import org.murder.orchestrator.zk.ZkPaths;
import org.murder.orchestrator.zk.ZkSettings;

class RegistrationTest {
    /**
     * A persistent node at an agent's path is nobody's registration (agents register ephemeral): one
     * made by anyone (another address, other roles) stood for the agent for good, and the agent, which
     * leaves another session's node alone, never registered.
     */
    @Test
    void aPersistentNodeAtItsPathIsReplacedByTheAgentsOwn() throws Exception {
        try (TestingServer server = new TestingServer(true);
                CuratorFramework squatter = Zk.connect(ZkSettings.of(server.getConnectString()));
                CuratorFramework zk = Zk.connect(ZkSettings.of(server.getConnectString()))) {
            String path = ZkPaths.agent("web-2");
            squatter.create().creatingParentContainersIfNeeded().forPath(path,
                    "{\"name\":\"web-2\",\"ip\":\"6.6.6.6\"}".getBytes(StandardCharsets.UTF_8));
            byte[] ours = "{\"name\":\"web-2\",\"ip\":\"127.0.0.1\"}".getBytes(StandardCharsets.UTF_8);
            try (Registration registration = new Registration(zk, "web-2", path, ours, () -> 1)) {
                assertTrue(registration.start(10_000));
                Stat stat = new Stat();
                assertArrayEquals(ours, zk.getData().storingStatIn(stat).forPath(path));
                assertEquals(zk.getZookeeperClient().getZooKeeper().getSessionId(), stat.getEphemeralOwner(), "ours, ephemeral");
            }
        }
    }

    /**
     * A squatter that makes its persistent node again as soon as the agent deletes it: the agent used
     * to wait for a NodeDeleted that never came, and stayed unregistered after the squatter gave up.
     * It now tries again with backoff, and registers once the squatter stops.
     */
    @Test
    void aSquatterMakingItsNodeAgainKeepsTheAgentOutOnlyWhileItKeepsAtIt() throws Exception {
        try (TestingServer server = new TestingServer(true);
                CuratorFramework squatter = Zk.connect(ZkSettings.of(server.getConnectString()));
                CuratorFramework zk = Zk.connect(ZkSettings.of(server.getConnectString()))) {
            String path = ZkPaths.agent("web-2");
            byte[] theirs = "{\"name\":\"web-2\",\"ip\":\"6.6.6.6\"}".getBytes(StandardCharsets.UTF_8);
            squatter.create().creatingParentContainersIfNeeded().forPath(path, theirs);
            java.util.concurrent.atomic.AtomicInteger remade = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.CountDownLatch gaveUp = new java.util.concurrent.CountDownLatch(1);
            org.apache.zookeeper.Watcher[] again = new org.apache.zookeeper.Watcher[1];
            again[0] = event -> {
                if (event.getType() == org.apache.zookeeper.Watcher.Event.EventType.NodeCreated) {
                    // its node went between its create and its look: the look set a watch for a creation, and this one is
                    // the agent's. It lost the race (this watch was its last: without this, the test waited for nothing)
                    gaveUp.countDown();
                    return;
                }
                if (event.getType() != org.apache.zookeeper.Watcher.Event.EventType.NodeDeleted) {
                    return;
                }
                try {
                    if (remade.incrementAndGet() > 3) { // bounded: three times, then it stops
                        gaveUp.countDown();
                        return;
                    }
                    squatter.create().forPath(path, theirs);
                    squatter.checkExists().usingWatcher(again[0]).forPath(path);
                } catch (Exception lostTheRace) {
                    gaveUp.countDown();
                }
            };
            squatter.checkExists().usingWatcher(again[0]).forPath(path);
            byte[] ours = "{\"name\":\"web-2\",\"ip\":\"127.0.0.1\"}".getBytes(StandardCharsets.UTF_8);
            try (Registration registration = new Registration(zk, "web-2", path, ours, () -> 1)) {
                assertTrue(registration.start(30_000), "registered once the squatter stopped");
                assertTrue(gaveUp.await(1, java.util.concurrent.TimeUnit.SECONDS));
                Stat stat = new Stat();
                assertArrayEquals(ours, zk.getData().storingStatIn(stat).forPath(path));
                assertEquals(zk.getZookeeperClient().getZooKeeper().getSessionId(), stat.getEphemeralOwner(), "ours, ephemeral");
            }
        }
    }

    /**
     * A second live agent of the same name (a cloned host): it is not registered, says who holds its name,
     * and becomes registered (and told, to read the jobs it passed by) only once that agent's registration
     * goes. It used to say "registered", answer healthy and run the other's jobs unseen.
     */
    @Test
    void aSecondLiveAgentOfTheSameNameWaitsForTheNameAndSaysWhoHoldsIt() throws Exception {
        try (TestingServer server = new TestingServer(true);
                CuratorFramework first = Zk.connect(ZkSettings.of(server.getConnectString()));
                CuratorFramework second = Zk.connect(ZkSettings.of(server.getConnectString()))) {
            String path = ZkPaths.agent("web-2");
            byte[] original = "{\"name\":\"web-2\",\"host\":\"web-2\",\"ip\":\"127.0.0.2\",\"destRoot\":\"/opt\"}"
                    .getBytes(StandardCharsets.UTF_8);
            byte[] clone = "{\"name\":\"web-2\",\"host\":\"web-2-clone\",\"ip\":\"127.0.0.3\",\"destRoot\":\"/opt\"}"
                    .getBytes(StandardCharsets.UTF_8);
            java.util.concurrent.CountDownLatch becameOurs = new java.util.concurrent.CountDownLatch(1);
            Registration holder = new Registration(first, "web-2", path, original, () -> 1);
            assertTrue(holder.start(10_000));
            assertTrue(holder.ours());
            try (Registration twin = new Registration(second, "web-2", path, clone, () -> 1, becameOurs::countDown)) {
                assertTrue(twin.start(10_000), "a registration is there");
                org.junit.jupiter.api.Assertions.assertFalse(twin.ours());
                String why = twin.heldByOther().orElseThrow();
                assertTrue(why.startsWith("the name web-2 is registered by another live agent (host web-2, ip 127.0.0.2, releases under"
                        + " /opt, session 0x"), why);
                assertTrue(why.endsWith("): no jobs taken until it goes"), why);
                assertEquals(1, becameOurs.getCount(), "not ours yet");

                holder.close(); // the other agent stops: its node goes, and the name is the twin's

                assertTrue(becameOurs.await(30, java.util.concurrent.TimeUnit.SECONDS));
                assertTrue(twin.ours());
                assertEquals(java.util.Optional.empty(), twin.heldByOther());
                assertArrayEquals(clone, second.getData().forPath(path));
            }
        }
    }

    /**
     * Anyone may create nodes: a live registration of this agent's name that is not signed with the job
     * secret is a squatter's (a client without the secret), and the agent replaces it rather than wait
     * for it, taking jobs at once; one signed with the secret (a twin) is waited for as before.
     */
    @Test
    void aRegistrationNotSignedWithTheSecretIsReplacedAndASignedOneWaitedFor() throws Exception {
        org.murder.orchestrator.job.JobSigner signer = new org.murder.orchestrator.job.JobSigner("a-test-secret-of-32-characters!!");
        try (TestingServer server = new TestingServer(true);
                CuratorFramework squatter = Zk.connect(ZkSettings.of(server.getConnectString()));
                CuratorFramework twin = Zk.connect(ZkSettings.of(server.getConnectString()));
                CuratorFramework zk = Zk.connect(ZkSettings.of(server.getConnectString()))) {
            String path = ZkPaths.agent("web-2");
            byte[] theirs = "{\"name\":\"web-2\",\"host\":\"evil\",\"ip\":\"6.6.6.6\",\"destRoot\":\"/opt\"}".getBytes(StandardCharsets.UTF_8);
            byte[] forged = signer.signNode(theirs);
            forged[forged.length - 3] ^= 1; // a signature, not the right one
            for (byte[] unsigned : new byte[][] {theirs, forged, "not json".getBytes(StandardCharsets.UTF_8)}) {
                squatter.create().creatingParentContainersIfNeeded().withMode(org.apache.zookeeper.CreateMode.EPHEMERAL)
                        .forPath(path, unsigned);
                byte[] ours = signer.signNode("{\"name\":\"web-2\",\"host\":\"web-2\",\"ip\":\"127.0.0.1\",\"destRoot\":\"/opt\"}"
                        .getBytes(StandardCharsets.UTF_8));
                try (Registration registration = new Registration(zk, "web-2", path, ours, () -> 1, () -> { }, signer::verifyNode)) {
                    assertTrue(registration.start(10_000));
                    assertTrue(registration.ours(), new String(unsigned, StandardCharsets.UTF_8));
                    Stat stat = new Stat();
                    assertArrayEquals(ours, zk.getData().storingStatIn(stat).forPath(path));
                    assertEquals(zk.getZookeeperClient().getZooKeeper().getSessionId(), stat.getEphemeralOwner());
                }
            }
            byte[] signedTwin = signer.signNode(theirs);
            twin.create().creatingParentContainersIfNeeded().withMode(org.apache.zookeeper.CreateMode.EPHEMERAL).forPath(path, signedTwin);
            try (Registration registration = new Registration(zk, "web-2", path, signer.signNode("{\"name\":\"web-2\"}"
                    .getBytes(StandardCharsets.UTF_8)), () -> 1, () -> { }, signer::verifyNode)) {
                assertTrue(registration.start(10_000));
                org.junit.jupiter.api.Assertions.assertFalse(registration.ours(), "a twin with the secret is waited for");
                assertArrayEquals(signedTwin, zk.getData().forPath(path));
            }
        }
    }

    /** The same host, address and releases: this agent's own earlier run, its session not expired yet; said as such. */
    @Test
    void anEarlierRunsRegistrationIsToldApartFromAnotherAgent() throws Exception {
        try (TestingServer server = new TestingServer(true);
                CuratorFramework earlier = Zk.connect(ZkSettings.of(server.getConnectString()));
                CuratorFramework now = Zk.connect(ZkSettings.of(server.getConnectString()))) {
            String path = ZkPaths.agent("web-2");
            byte[] same = "{\"name\":\"web-2\",\"host\":\"web-2\",\"ip\":\"127.0.0.2\",\"destRoot\":\"/opt\",\"since\":1}"
                    .getBytes(StandardCharsets.UTF_8);
            try (Registration old = new Registration(earlier, "web-2", path, same, () -> 1);
                    Registration restarted = new Registration(now, "web-2", path, same, () -> 1)) {
                assertTrue(old.start(10_000));
                assertTrue(restarted.start(10_000));
                String why = restarted.heldByOther().orElseThrow();
                assertTrue(why.startsWith("waiting for the registration of this agent's earlier run (session 0x"), why);
            }
        }
    }

    /**
     * An agent restarted after it was killed on this host finds its earlier run's registration held by a session ZooKeeper
     * has not expired yet: the process that registration names is gone (another process has its pid now, or none), so the
     * name is taken at once, not after the session's 30 s. One whose process still runs is waited for, as before.
     */
    @Test
    void anEarlierRunWhoseProcessIsGoneIsReplacedAtOnceOneStillRunningIsWaitedFor() throws Exception {
        String[] self = AgentProcess.current().orElseThrow().split("/");
        Process exited = new ProcessBuilder("true").start();
        assertEquals(0, exited.waitFor());
        String gone = String.join("/", self[0], self[1], self[2], Long.toString(exited.pid()), "1");
        // the pid of a process that runs, but not the one that registered (started at another time): the pid reused
        String reused = String.join("/", self[0], self[1], self[2], Long.toString(ProcessHandle.current().parent().orElseThrow().pid()),
                "1");
        String running = String.join("/", self);
        String anotherHost = String.join("/", self[0], "0c0ffee0-0000-4000-8000-000000000000", self[2], Long.toString(exited.pid()), "1");
        for (String earlierProcess : java.util.List.of(gone, reused, running, anotherHost)) {
            try (TestingServer server = new TestingServer(true);
                    CuratorFramework killed = Zk.connect(ZkSettings.of(server.getConnectString()));
                    CuratorFramework now = Zk.connect(ZkSettings.of(server.getConnectString()))) {
                String path = ZkPaths.agent("web-2");
                // the killed run's node: its session lives on in ZooKeeper (the client here stands for that session)
                killed.create().creatingParentContainersIfNeeded().withMode(org.apache.zookeeper.CreateMode.EPHEMERAL).forPath(path,
                        info(earlierProcess));
                try (Registration restarted = new Registration(now, "web-2", path, info("linux/x/y/1/2"), () -> 1)) {
                    restarted.start(10_000);
                    // gone: no process of that pid, or another one started at another time (the pid reused)
                    boolean taken = earlierProcess.equals(gone) || earlierProcess.equals(reused);
                    assertEquals(taken, restarted.ours(), earlierProcess + " of " + running);
                    long owner = now.checkExists().forPath(path).getEphemeralOwner();
                    assertEquals(taken ? now.getZookeeperClient().getZooKeeper().getSessionId()
                            : killed.getZookeeperClient().getZooKeeper().getSessionId(), owner, earlierProcess);
                }
            }
        }
    }

    /**
     * After a quorum outage longer than its session, Curator gives the session up and the agent gets a new one, while the
     * ensemble keeps the old session (and this agent's node) until it expires it there, a session timeout after the quorum
     * is back: the node says this very process, and is replaced at once (no job was taken for those 30 s, while the
     * agent said it took them). The other session stands here for the old one.
     */
    @Test
    void itsOwnProcesssNodeOfAnEarlierSessionIsReplacedAtOnce() throws Exception {
        String self = AgentProcess.current().orElseThrow();
        try (TestingServer server = new TestingServer(true);
                CuratorFramework oldSession = Zk.connect(ZkSettings.of(server.getConnectString()));
                CuratorFramework now = Zk.connect(ZkSettings.of(server.getConnectString()))) {
            String path = ZkPaths.agent("web-2");
            oldSession.create().creatingParentContainersIfNeeded().withMode(org.apache.zookeeper.CreateMode.EPHEMERAL).forPath(path,
                    info(self));
            // a clone of this process (a VM cloned with its memory) holds the same identity under a session this one never had
            try (Registration clone = new Registration(now, "web-2", path, info(self), () -> 1)) {
                clone.start(2_000);
                assertFalse(clone.ours(), "a session this registration never ran under is waited for");
            }
            try (Registration again = new Registration(now, "web-2", path, info(self), () -> 1)) {
                again.heldSession(oldSession.getZookeeperClient().getZooKeeper().getSessionId()); // as when it made that node
                again.start(10_000);
                assertTrue(again.ours(), "taken at once, not after the old session's timeout");
                assertEquals(now.getZookeeperClient().getZooKeeper().getSessionId(), now.checkExists().forPath(path).getEphemeralOwner());
            }
        }
    }

    private static byte[] info(String process) {
        return org.murder.orchestrator.job.Json.write(new org.murder.orchestrator.job.AgentInfo("web-2", "web-2", "127.0.0.2",
                java.util.List.of(), "6881-6889", "/opt", "1", 1, null, process));
    }
}
