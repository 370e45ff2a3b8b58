package org.murder.orchestrator.zk;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * How to reach ZooKeeper.
 *
 * @param connect        {@code host:port[,host:port...]}
 * @param chroot         the namespace every path lives under, without slashes ({@code murder} for {@code /murder})
 * @param sessionTimeout how long the ensemble keeps our ephemeral nodes while we are disconnected
 * @param connectTimeout how long to wait for the first connection before giving up with a clear error
 * @param credentials    {@code user:password} for digest authentication; when set, every node we create
 *                       carries a digest ACL that gives these credentials every right
 * @param othersRead     with credentials: anyone else may still read, never create, change or delete (see
 *                       {@link #guardedBy}); without: only the credentials may read or write ({@code --zk-auth-file})
 */
public record ZkSettings(String connect, String chroot, Duration sessionTimeout, Duration connectTimeout,
        Optional<String> credentials, boolean othersRead) {
    public static final String DEFAULT_CONNECT = "127.0.0.1:2181";
    public static final String DEFAULT_CHROOT = "murder";

    public ZkSettings {
        String host = "([A-Za-z0-9._-]+|\\[[0-9A-Fa-f:.]+\\])"; // a name, an IPv4 address, or [an IPv6 one]
        if (connect == null || connect.isBlank() || !connect.matches(host + ":\\d{1,5}(," + host + ":\\d{1,5})*")
                || java.util.Arrays.stream(connect.split(",")).mapToInt(h -> Integer.parseInt(h.substring(h.lastIndexOf(':') + 1)))
                        .anyMatch(port -> port < 1 || port > 65535)) {
            throw new IllegalArgumentException("zk: '" + org.murder.core.Printable.escape(String.valueOf(connect))
                    + "' (expected: HOST:PORT[,HOST:PORT...], ports 1 to 65535)");
        }
        String given = chroot;
        chroot = chroot.replaceAll("^/+|/+$", ""); // '/murder', 'murder' and '/murder/' are one
        List<String> parts = List.of(chroot.split("/"));
        if (!chroot.matches("[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*") || parts.contains("..") || parts.contains(".")
                || parts.get(0).equals("zookeeper")) {
            throw new IllegalArgumentException("zk-chroot: '" + org.murder.core.Printable.escape(given) // as written, not trimmed
                    + "' (expected: a path like /murder, without '.', '..' or ZooKeeper's own /zookeeper)");
        }
        // Curator takes both in int milliseconds; a zero connect timeout never tries, a zero session expires at once
        if (connectTimeout.compareTo(Duration.ofMillis(100)) < 0 || connectTimeout.compareTo(Duration.ofDays(1)) > 0) {
            throw new IllegalArgumentException("zk-timeout: " + org.murder.core.Durations.format(connectTimeout)
                    + " (expected: 100ms to 1d, like 10s)");
        }
        if (sessionTimeout.compareTo(Duration.ofSeconds(1)) < 0 || sessionTimeout.compareTo(Duration.ofDays(1)) > 0) {
            throw new IllegalArgumentException("zk-session-timeout: " + org.murder.core.Durations.format(sessionTimeout)
                    + " (expected: 1s to 1d, like 30s; the ensemble narrows it to 2 to 20 of its ticks)");
        }
        credentials.ifPresent(c -> {
            if (!c.matches("[^:]+:.+")) {
                throw new IllegalArgumentException("zk-auth: not USER:PASSWORD (expected: a user name, a colon and a password)");
            }
        });
    }

    /** Without credentials: nodes open to every client, as ZooKeeper makes them. */
    public ZkSettings(String connect, String chroot, Duration sessionTimeout, Duration connectTimeout, Optional<String> credentials) {
        this(connect, chroot, sessionTimeout, connectTimeout, credentials, false);
    }

    public static ZkSettings of(String connect) {
        return new ZkSettings(connect, DEFAULT_CHROOT, Duration.ofSeconds(30), Duration.ofSeconds(10), Optional.empty());
    }

    /** Digest auth with {@code userPassword}; every node we create readable and writable by it alone ({@code --zk-auth-file}). */
    public ZkSettings withCredentials(String userPassword) {
        return new ZkSettings(connect, chroot, sessionTimeout, connectTimeout, Optional.ofNullable(userPassword), false);
    }

    /**
     * Digest auth with {@code userPassword} (murder derives it from the job secret); every node we create
     * may be read by anyone, but be given children, changed or deleted only with these credentials.
     * Someone who reaches ZooKeeper without the job secret can neither delete or rewrite a job, a report
     * or a registration, nor make nodes of its own among them: with the right to create, such a client
     * made nodes murder could not read or delete (an unreadable registration stopped every deploy and
     * {@code murder agents}, unreadable jobs stopped agents taking jobs, a lock parent of its own blocked
     * every activating deploy for good) and filled ZooKeeper's heap.
     */
    public ZkSettings guardedBy(String userPassword) {
        return new ZkSettings(connect, chroot, sessionTimeout, connectTimeout, Optional.ofNullable(userPassword), true);
    }

    public ZkSettings withTimeouts(Duration session, Duration connectTimeout) {
        return new ZkSettings(connect, chroot, session, connectTimeout, credentials, othersRead);
    }
}
