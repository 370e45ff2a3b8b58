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

    /** Starts a client and waits for its first connection; an unreachable ensemble is a one-line failure. */
    public static CuratorFramework connect(ZkSettings settings) {
        CuratorFramework client = newClient(settings);
        client.start();
        try {
            if (!client.blockUntilConnected((int) settings.connectTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                closeInBackground(client);
                throw MurderException.failure("ZooKeeper " + settings.connect() + ": not reachable within "
                        + Durations.format(settings.connectTimeout()) + " (expected: a running ensemble; for one box see"
                        + " 'murder zookeeper')", null);
            }
        } catch (InterruptedException e) {
            closeInBackground(client);
            Thread.currentThread().interrupt();
            throw MurderException.failure("interrupted while connecting to ZooKeeper", e);
        }
        return client;
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
