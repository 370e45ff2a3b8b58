package org.murder.orchestrator.zk;

import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.ACLProvider;
import org.apache.curator.retry.BoundedExponentialBackoffRetry;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.server.auth.DigestAuthenticationProvider;
import org.murder.core.Durations;
import org.murder.core.MurderException;

/** Opens Curator clients the murder way: namespace, retries, digest auth and ACLs when credentials are set. */
public final class Zk {
    private Zk() {
    }

    /**
     * Starts a client and waits for its first connection ({@link #connectWait}); an unreachable ensemble is a one-line
     * failure.
     */
    public static CuratorFramework connect(ZkSettings settings) {
        CuratorFramework client = newClient(settings);
        client.start();
        java.time.Duration wait = connectWait(settings);
        try {
            if (!client.blockUntilConnected((int) Math.min(Integer.MAX_VALUE, wait.toMillis()), TimeUnit.MILLISECONDS)) {
                closeInBackground(client);
                int members = members(settings.connect());
                throw MurderException.failure("ZooKeeper " + settings.connect() + ": not reachable within " + Durations.format(wait)
                        + (members > 1 ? " (--zk-timeout " + Durations.format(settings.connectTimeout()) + ", and what ZooKeeper's"
                                + " client gives " + (members == 2 ? "the other member" : "each of the " + (members - 1) + " other members")
                                + ", tried in turn)" : "") + unresolved(settings.connect())
                        + " (expected: a running ensemble; for one box see 'murder zookeeper')", null);
            }
        } catch (InterruptedException e) {
            closeInBackground(client);
            Thread.currentThread().interrupt();
            throw MurderException.failure("interrupted while connecting to ZooKeeper", e);
        }
        return client;
    }

    /**
     * How long the first connection is waited for: {@code --zk-timeout}, and for an ensemble of N members also the time
     * ZooKeeper's client gives each member before it tries the next ({@link #perMember}) for N-1 of them. A member that
     * is down without a reset (a host off, a hung process) took the whole 10 s of --zk-timeout when the client tried it
     * first (a random order): a third of the commands, deploys and agent starts failed with one member of three down.
     */
    static java.time.Duration connectWait(ZkSettings settings) {
        int members = members(settings.connect());
        java.time.Duration extra = perMember(settings).multipliedBy(members - 1);
        return settings.connectTimeout().plus(extra.compareTo(MAX_EXTRA_WAIT) > 0 ? MAX_EXTRA_WAIT : extra);
    }

    /**
     * The most {@link #connectWait} adds to --zk-timeout: a session timeout raised for agents (a key murder.conf shares)
     * made a 'murder jobs' against an ensemble that is down wait minutes.
     */
    static final java.time.Duration MAX_EXTRA_WAIT = java.time.Duration.ofSeconds(60);

    /**
     * ZooKeeper's client gives a member that does not answer the session timeout over the members listed, and may sleep
     * up to a second before the next: both.
     */
    static java.time.Duration perMember(ZkSettings settings) {
        return settings.sessionTimeout().dividedBy(members(settings.connect())).plusSeconds(1);
    }

    private static int members(String connect) {
        return (int) java.util.Arrays.stream(connect.split(",")).filter(m -> !m.isBlank()).count();
    }

    /**
     * {@code "; no address for HOST"} for the hosts of {@code connect} (HOST:PORT,...) that do not resolve (a typo, or DNS
     * down), so an ensemble that could never be reached says why; empty when every host has an address. Asked after the
     * timeout only: the lookup costs nothing on the way that works.
     */
    static String unresolved(String connect) {
        List<String> none = unresolvedHosts(connect);
        return none.isEmpty() ? "" : "; no address for " + String.join(", ", none.stream().sorted().toList());
    }

    /** Whether no host of {@code connect} has an address (a typo in --zk, or DNS down): nothing to wait for. */
    public static boolean noneResolves(String connect) {
        return unresolvedHosts(connect).size() == members(connect);
    }

    /** The hosts of {@code connect} without an address, escaped; looked up at once, at most 2 s in all. */
    private static List<String> unresolvedHosts(String connect) {
        List<String> none = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        List<Thread> lookups = new java.util.ArrayList<>();
        for (String server : connect.split(",")) {
            int colon = server.lastIndexOf(':');
            String host = (colon < 0 ? server : server.substring(0, colon)).replaceAll("^\\[|\\]$", "");
            Thread t = new Thread(() -> { // at once, and bounded below: with DNS down, each lookup waits for the resolver
                try {
                    java.net.InetAddress.getAllByName(host);
                } catch (java.net.UnknownHostException e) {
                    none.add(org.murder.core.Printable.escape(host));
                }
            }, "murder-zk-lookup");
            t.setDaemon(true);
            t.start();
            lookups.add(t);
        }
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        for (Thread t : lookups) {
            try {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        synchronized (none) {
            return List.copyOf(none);
        }
    }

    /**
     * As {@link #connect}, for the commands that write murder's tree (agent, deploy): containers of the version
     * before are closed to others first ({@link #closeContainers}). Commands that only read (agents, jobs) leave
     * the tree as it is.
     */
    public static CuratorFramework connectToWrite(ZkSettings settings) {
        CuratorFramework client = connect(settings);
        if (settings.othersRead()) {
            settings.credentials().ifPresent(c -> closeContainers(client, c));
        }
        return client;
    }

    /** The containers under which murder's nodes are made: who may add nodes to them is what {@link #closeContainers} fixes. */
    private static final List<String> CONTAINERS = List.of("/", ZkPaths.AGENTS, ZkPaths.JOBS, ZkPaths.REPORTS, ZkPaths.LOCKS,
            ZkPaths.HOST_LOCKS, ZkPaths.RELEASES, ZkPaths.WAVES);

    /**
     * Containers made by the murder before December 7 (our digest with every right, and anyone with read and
     * create) are taken down to our digest and read for anyone, as this one makes them: an ACL is set when a
     * node is made, and an upgraded install kept every hole the hostile-client audit found until someone
     * deleted the tree. The buckets of {@code /agents} too. Containers open to anyone (made before the
     * credentials, December 2026) are left: agents of then may still run and need them; delete that tree
     * once every agent is upgraded (README). Best effort: a failure leaves the ACL as it was.
     */
    static void closeContainers(CuratorFramework client, String userPassword) {
        List<ACL> old = List.of(new ACL(ZooDefs.Perms.ALL, digestId(userPassword)),
                new ACL(ZooDefs.Perms.READ | ZooDefs.Perms.CREATE, ZooDefs.Ids.ANYONE_ID_UNSAFE));
        List<String> paths = new java.util.ArrayList<>(CONTAINERS);
        try {
            if (client.checkExists().forPath(ZkPaths.AGENTS) != null) {
                for (String bucket : client.getChildren().forPath(ZkPaths.AGENTS)) {
                    paths.add(ZkPaths.AGENTS + "/" + bucket);
                }
            }
        } catch (Exception e) {
            // listed as far as readable: the rest stays as it was
        }
        for (String path : paths) {
            try {
                org.apache.zookeeper.data.Stat stat = new org.apache.zookeeper.data.Stat();
                List<ACL> acl = client.getACL().storingStatIn(stat).forPath(path);
                if (new java.util.HashSet<>(acl).equals(new java.util.HashSet<>(old))) {
                    client.setACL().withVersion(stat.getAversion()).withACL(guardedAcl(userPassword).getDefaultAcl()).forPath(path);
                }
            } catch (Exception e) {
                // gone, not ours, changed meanwhile: left as it is
            }
        }
    }

    /**
     * Closes a client that never connected without waiting for it: against a port that accepts and
     * never answers, ZooKeeper's close waits for its close-session request until the read times
     * out (two thirds of the session timeout), and the one-line failure came 31 s after a
     * {@code --zk-timeout 2s}. The process ends soon after; a daemon thread does not hold it.
     */
    private static void closeInBackground(CuratorFramework client) {
        Thread closing = new Thread(client::close, "murder-zk-close");
        closing.setDaemon(true);
        closing.start();
    }

    static CuratorFramework newClient(ZkSettings settings) {
        CuratorFrameworkFactory.Builder b = CuratorFrameworkFactory.builder()
                .connectString(settings.connect())
                .namespace(settings.chroot())
                .sessionTimeoutMs((int) settings.sessionTimeout().toMillis())
                .connectionTimeoutMs((int) settings.connectTimeout().toMillis())
                // bounded: ExponentialBackoffRetry capped its sleeps too, with a WARN each time (35 a ZooKeeper outage)
                .retryPolicy(new BoundedExponentialBackoffRetry(200, 5000, 10))
                .zkClientConfig(clientConfig());
        settings.credentials().ifPresent(c -> {
            b.authorization("digest", c.getBytes(StandardCharsets.UTF_8));
            b.aclProvider(settings.othersRead() ? guardedAcl(c) : digestAcl(c));
        });
        return b.build();
    }

    /**
     * The most a ZooKeeper answer may be for this client: {@value #MAX_ANSWER_BYTES} bytes. A server keeps
     * each node under 1 MB, but a listing of a node's children is not bounded: 5,000 children of 236-character
     * names (anyone who can write {@code /jobs} can make them) is 1.2 MB, over the client's default of 1 MB,
     * and each listing dropped the connection (agents took no jobs; deploys and 'murder agents' hung retrying).
     */
    static final int MAX_ANSWER_BYTES = 16 << 20;

    private static org.apache.zookeeper.client.ZKClientConfig clientConfig() {
        org.apache.zookeeper.client.ZKClientConfig config = new org.apache.zookeeper.client.ZKClientConfig();
        config.setProperty(org.apache.zookeeper.common.ZKConfig.JUTE_MAXBUFFER, String.valueOf(MAX_ANSWER_BYTES));
        return config;
    }

    /**
     * Whether a node with {@code stat} (null: none) is an agent's registration: agents register ephemeral, so a
     * persistent node at the path (anyone may make one) is no agent's.
     */
    public static boolean isRegistration(org.apache.zookeeper.data.Stat stat) {
        return stat != null && stat.getEphemeralOwner() != 0;
    }

    /** Every node readable and writable only by {@code user:password}. */
    static ACLProvider digestAcl(String userPassword) {
        return provider(List.of(new ACL(ZooDefs.Perms.ALL, digestId(userPassword))));
    }

    /**
     * Every node changed, deleted and given children only by {@code user:password}; read by anyone (see
     * {@link ZkSettings#guardedBy}).
     */
    static ACLProvider guardedAcl(String userPassword) {
        return provider(List.of(new ACL(ZooDefs.Perms.ALL, digestId(userPassword)),
                new ACL(ZooDefs.Perms.READ, ZooDefs.Ids.ANYONE_ID_UNSAFE)));
    }

    private static Id digestId(String userPassword) {
        try {
            return new Id("digest", DigestAuthenticationProvider.generateDigest(userPassword));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is not available for ZooKeeper digests", e);
        }
    }

    private static ACLProvider provider(List<ACL> acls) {
        // a mutable list: ZooKeeper asks acl.contains(null), which List.of answers with a NullPointerException
        List<ACL> acl = new java.util.ArrayList<>(acls);
        return new ACLProvider() {
            @Override
            public List<ACL> getDefaultAcl() {
                return acl;
            }

            @Override
            public List<ACL> getAclForPath(String path) {
                return acl;
            }
        };
    }
}
