package org.murder.orchestrator.zk;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.security.sasl.SaslException;
import org.apache.zookeeper.server.quorum.QuorumPeer;
import org.apache.zookeeper.server.quorum.QuorumPeerConfig;
import org.apache.zookeeper.server.quorum.QuorumPeerMain;
import org.murder.core.MurderException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One member of a ZooKeeper ensemble in this process, for {@code murder zookeeper --server ...}:
 * ZooKeeper's own {@link QuorumPeerConfig} and {@link QuorumPeerMain} from the jar murder ships,
 * configured from properties as a {@code zoo.cfg} would be. Leader election, the quorum protocol
 * and the data files are ZooKeeper's; this class checks the inputs (one-line errors), writes
 * {@code myid}, logs the role the member takes and stops it on {@link #close()}.
 */
public final class EnsembleZooKeeper implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EnsembleZooKeeper.class);
    /** The four-letter words served: monitoring (mntr, read by the benches), liveness (ruok), role (srvr, stat). */
    public static final String FOUR_LETTER_WORDS = "mntr,ruok,srvr,stat";
    private static final Pattern SPEC = Pattern.compile("(?:server\\.)?(\\d{1,9})=(.+):(\\d{1,5}):(\\d{1,5})");

    /** One {@code server.N=HOST:PEERPORT:ELECTIONPORT} line of the ensemble. */
    public record Member(long id, String host, int peerPort, int electionPort) {
        /** Parses {@code N=HOST:PEERPORT:ELECTIONPORT} (or ZooKeeper's {@code server.N=...}); a one-line error otherwise. */
        public static Member parse(String spec) {
            String s = spec.trim();
            Matcher m = SPEC.matcher(s);
            String expected = " (expected: N=HOST:PEERPORT:ELECTIONPORT, e.g. 1=zk1:2888:3888)";
            if (!m.matches()) {
                throw MurderException.badInput("--server: '" + spec + "'" + expected);
            }
            long id = Long.parseLong(m.group(1));
            String host = m.group(2);
            int peer = Integer.parseInt(m.group(3));
            int election = Integer.parseInt(m.group(4));
            if (id < 1 || id > 255) {
                throw MurderException.badInput("--server: '" + spec + "': id " + id + " (expected: 1 to 255)");
            }
            if (host.isBlank() || host.contains("=") || host.contains(",") || host.contains(";")
                    || (host.contains(":") && !(host.startsWith("[") && host.endsWith("]")))) {
                throw MurderException.badInput("--server: '" + spec + "': host '" + host + "'" + expected
                        + "; an IPv6 address goes in brackets");
            }
            for (int port : new int[] {peer, election}) {
                if (port < 1 || port > 65535) {
                    throw MurderException.badInput("--server: '" + spec + "': port " + port + " (expected: 1 to 65535)");
                }
            }
            if (peer == election) {
                throw MurderException.badInput("--server: '" + spec + "': the peer and election ports are both " + peer
                        + " (expected: two ports, e.g. 2888:3888)");
            }
            return new Member(id, host, peer, election);
        }

        /** The host without IPv6 brackets, for binding. */
        String address() {
            return host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        }

        @Override
        public String toString() {
            return id + "=" + host + ":" + peerPort + ":" + electionPort;
        }
    }

    /** What an ensemble member needs: its id, all members, its client address and ZooKeeper's timing (ticks). */
    public record Settings(Path dataDir, long myid, List<Member> members, String bind, int port, int tickMillis, int initLimit,
            int syncLimit, int maxClientConnections) {
        /** ZooKeeper's default: 60 connections from one address. */
        public static final int DEFAULT_MAX_CLIENT_CONNECTIONS = 60;

        public Settings {
            members = List.copyOf(members);
        }

        public Settings(Path dataDir, long myid, List<Member> members, String bind, int port, int tickMillis, int initLimit,
                int syncLimit) {
            this(dataDir, myid, members, bind, port, tickMillis, initLimit, syncLimit, DEFAULT_MAX_CLIENT_CONNECTIONS);
        }

        public Member self() {
            return members.stream().filter(m -> m.id() == myid).findFirst().orElseThrow();
        }
    }

    /**
     * Checks an ensemble's members and this member's id; returns a warning to show (an even count),
     * or empty. Fewer than three members is refused: one or two servers in quorum mode survive no
     * failure (two need both up), so they are a standalone server with extra ways to fail.
     */
    public static String check(List<Member> members, long myid) {
        return check(members, myid, -1);
    }

    /**
     * {@link #check(List, long)}, and that no member on this member's host has {@code clientPort}
     * (this member's {@code --port}) as its peer or election port.
     */
    public static String check(List<Member> members, long myid, int clientPort) {
        Set<Long> ids = new HashSet<>();
        Set<String> addresses = new HashSet<>();
        for (Member m : members) {
            if (!ids.add(m.id())) {
                throw MurderException.badInput("--server: id " + m.id() + " given twice (expected: one --server per member, ids unique)");
            }
            for (int port : new int[] {m.peerPort(), m.electionPort()}) {
                if (!addresses.add(m.host() + ":" + port)) {
                    throw MurderException.badInput("--server " + m + ": " + m.host() + ":" + port
                            + " is used by another member too (expected: distinct ports for members on one host)");
                }
            }
        }
        if (members.size() < 3) {
            throw MurderException.badInput("--server: " + members.size() + " member" + (members.size() == 1 ? "" : "s")
                    + " (expected: 3 or 5; an ensemble of 1 or 2 survives no failure: for one server, leave out --server and"
                    + " --myid)");
        }
        if (ids.stream().noneMatch(id -> id == myid)) {
            throw MurderException.badInput("--myid " + myid + ": not among the --server ids " + members.stream().map(Member::id)
                    .sorted().map(String::valueOf).toList() + " (expected: this server's own id)");
        }
        Member self = members.stream().filter(m -> m.id() == myid).findFirst().orElseThrow();
        for (Member m : members) {
            if (m.host().equals(self.host()) && (m.peerPort() == clientPort || m.electionPort() == clientPort)) {
                throw MurderException.badInput("--server " + m + ": port " + clientPort + " is " + (m == self ? "this member's --port for"
                        + " clients too" : "also the --port for clients of member " + myid + " on the same host") + " (expected: peer,"
                        + " election and client ports all different)");
            }
        }
        if (members.size() % 2 == 0) {
            return "warning: " + members.size() + " members need " + (members.size() / 2 + 1) + " up and survive " + (members.size() / 2 - 1)
                    + " failure" + (members.size() / 2 - 1 == 1 ? "" : "s") + ", no more than " + (members.size() - 1)
                    + " would: an odd count (3 or 5) is the usual choice";
        }
        return "";
    }

    /**
     * Writes {@code myid} into the data directory, or checks the one there: a data directory holds
     * one member's copy of the data, and ZooKeeper would otherwise take the file's id silently.
     */
    public static void writeMyid(Path dataDir, long myid) throws IOException {
        Path file = dataDir.resolve("myid");
        if (Files.exists(file)) {
            String there = org.murder.core.io.SmallFiles.read(file, 1024, "myid").trim();
            if (!there.equals(String.valueOf(myid))) {
                throw MurderException.badInput("--myid " + myid + ": " + file + " says " + (there.isEmpty() ? "nothing" : org.murder.core.Printable.escape(there))
                        + " (expected: the id this data directory was made with; another member's data directory, or remove the"
                        + " file to rejoin as a new member)");
            }
            return;
        }
        Files.writeString(file, myid + "\n", StandardCharsets.US_ASCII);
    }

    /** Refuses to start on a port something else holds, before ZooKeeper would exit or retry on its own. */
    private static void checkFree(String what, String host, int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName(host), port));
        } catch (IOException e) {
            String why = e.getMessage() == null ? e.toString() : e.getMessage();
            if (why.toLowerCase(java.util.Locale.ROOT).contains("address already in use")) {
                why = "address already in use";
            }
            throw MurderException.failure("zookeeper: cannot listen on " + host + ":" + port + " (" + what + "): " + why, e);
        }
    }

    private final Settings settings;
    private final QuorumPeerConfig config;
    private final Main main = new Main();
    private final Thread runner;
    private final Thread watcher;
    private final AtomicReference<Throwable> failed = new AtomicReference<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean stopping;
    private final java.util.concurrent.atomic.AtomicBoolean closing = new java.util.concurrent.atomic.AtomicBoolean();

    /** QuorumPeerMain, keeping its peer where {@link #close()} and the role log can see it. */
    private static final class Main extends QuorumPeerMain {
        volatile QuorumPeer peer;

        @Override
        protected QuorumPeer getQuorumPeer() throws SaslException {
            QuorumPeer p = super.getQuorumPeer();
            peer = p;
            return p;
        }
    }

    private EnsembleZooKeeper(Settings settings, QuorumPeerConfig config) {
        this.settings = settings;
        this.config = config;
        this.runner = new Thread(this::run, "murder-zookeeper-quorum");
        this.watcher = new Thread(this::watchRole, "murder-zookeeper-role");
        watcher.setDaemon(true);
    }

    /** ZooKeeper's configuration for {@code settings}, as {@code zoo.cfg} lines would give it. */
    static Properties properties(Settings s) {
        Properties p = new Properties();
        p.setProperty("dataDir", s.dataDir().toAbsolutePath().toString());
        p.setProperty("clientPort", String.valueOf(s.port()));
        p.setProperty("clientPortAddress", s.bind());
        p.setProperty("tickTime", String.valueOf(s.tickMillis()));
        p.setProperty("initLimit", String.valueOf(s.initLimit()));
        p.setProperty("syncLimit", String.valueOf(s.syncLimit()));
        p.setProperty("maxClientCnxns", String.valueOf(s.maxClientConnections()));
        p.setProperty("standaloneEnabled", "false");
        p.setProperty("reconfigEnabled", "false");
        p.setProperty("admin.enableServer", "false");
        p.setProperty("4lw.commands.whitelist", FOUR_LETTER_WORDS);
        for (Member m : s.members()) {
            p.setProperty("server." + m.id(), m.host() + ":" + m.peerPort() + ":" + m.electionPort());
        }
        return p;
    }

    /**
     * Starts this member (myid written or checked, ports checked, then ZooKeeper's quorum peer). It
     * serves clients once a quorum of members has elected a leader.
     */
    public static EnsembleZooKeeper start(Settings s) {
        try {
            Files.createDirectories(s.dataDir());
            writeMyid(s.dataDir(), s.myid());
        } catch (IOException e) {
            throw MurderException.failure("zookeeper: data directory " + s.dataDir() + ": " + e.getMessage(), e);
        }
        Member self = s.self();
        checkFree("client port", s.bind(), s.port());
        checkFree("peer port of member " + self.id(), self.address(), self.peerPort());
        checkFree("election port of member " + self.id(), self.address(), self.electionPort());
        // read by the server's classes as system properties too (the ones zoo.cfg does not set)
        System.setProperty("zookeeper.admin.enableServer", "false");
        System.setProperty("zookeeper.4lw.commands.whitelist", FOUR_LETTER_WORDS);
        System.setProperty("zookeeper.jmx.log4j.disable", "true");
        QuorumPeerConfig config = new QuorumPeerConfig();
        try {
            config.parseProperties(properties(s));
        } catch (QuorumPeerConfig.ConfigException | IOException | RuntimeException e) {
            throw MurderException.badInput("zookeeper: " + (e.getMessage() == null ? e.toString() : e.getMessage()), e);
        }
        EnsembleZooKeeper zk = new EnsembleZooKeeper(s, config);
        zk.runner.start();
        zk.watcher.start();
        return zk;
    }

    private void run() {
        try {
            main.runFromConfig(config);
        } catch (Throwable e) {
            if (!stopping) {
                failed.set(e);
                LOG.error("zookeeper member {} stopped: {}", settings.myid(), e.toString());
            }
        } finally {
            stopped.countDown();
        }
    }

    /** Logs each role this member takes (ZooKeeper has no listener for it: its state, looked at 5 times a second). */
    private void watchRole() {
        String last = "";
        while (stopped.getCount() > 0) {
            QuorumPeer p = main.peer;
            if (p != null && p.isRunning() && !stopping) {
                String role = p.getServerState(); // leaderelection, following, leading, observing
                long leader = p.getLeaderId();
                String shown = switch (role) {
                    case "following" -> leader > 0 ? "following (leader: member " + leader + ")" : "";
                    case "leaderelection" -> "looking for a leader";
                    default -> role;
                };
                if (!shown.isEmpty() && !shown.equals(last)) {
                    LOG.info("zookeeper member {}: {}", settings.myid(), shown);
                    last = shown;
                }
            }
            try {
                stopped.await(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** This member's role now, ZooKeeper's word: leading, following, leaderelection or observing (empty before it started). */
    public String role() {
        QuorumPeer p = main.peer;
        return p == null ? "" : p.getServerState();
    }

    public Settings settings() {
        return settings;
    }

    /** Returns when the member stopped: {@link #close()}, or a failure of ZooKeeper's (thrown here). */
    public void awaitStop() throws InterruptedException {
        stopped.await();
        Throwable e = failed.get();
        if (e != null) {
            throw MurderException.failure("zookeeper member " + settings.myid() + " stopped: " + e.getMessage(), e);
        }
    }

    /** Stops the member (once: a second call, from the signal handler and the command's own close, only waits). */
    @Override
    public void close() {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        if (closing.getAndSet(true)) {
            try {
                stopped.await(15, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        stopping = true;
        try {
            // the peer may not be made yet when a stop comes right after start: shut it down once it is
            while (main.peer == null && stopped.getCount() > 0 && System.nanoTime() < end) {
                stopped.await(50, TimeUnit.MILLISECONDS);
            }
            QuorumPeer p = main.peer;
            if (p != null) {
                p.shutdown();
            }
            if (!stopped.await(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                LOG.warn("zookeeper member {}: not stopped within 15 s", settings.myid());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
