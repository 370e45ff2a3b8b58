package org.murder.orchestrator.deploy;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;

/**
 * What the deployer tells the operator about its ZooKeeper connection while it follows a deploy:
 * that it lost it (a quorum down, this host cut off) and what it waits for, and when it is back.
 * States come from Curator's thread; the follow loop drains them as lines, so they never cut into
 * a redrawn view.
 */
final class ConnectionNotes implements AutoCloseable {
    private final CuratorFramework zk;
    private final Clock clock;
    private final Runnable wake;
    private final ConnectionStateListener listener = this::changed;
    /** A state and when Curator told it (the follow loop may drain it a moment later). */
    private record Change(ConnectionState state, long at) {
    }

    private final List<Change> pending = new ArrayList<>();
    private long lostAt = -1;

    ConnectionNotes(CuratorFramework zk, Clock clock, Runnable wake) {
        this.zk = zk;
        this.clock = clock;
        this.wake = wake;
        zk.getConnectionStateListenable().addListener(listener);
    }

    private void changed(CuratorFramework client, ConnectionState state) {
        synchronized (pending) {
            pending.add(new Change(state, clock.millis()));
        }
        wake.run();
    }

    /** Whether Curator told {@code state} since the last {@link #drain} (for a test that must know it was recorded). */
    boolean heard(ConnectionState state) {
        synchronized (pending) {
            return pending.stream().anyMatch(c -> c.state() == state);
        }
    }

    /** The lines to print for what happened since the last call. */
    List<String> drain(long deadline) {
        List<Change> changes;
        synchronized (pending) {
            changes = new ArrayList<>(pending);
            pending.clear();
        }
        List<String> lines = new ArrayList<>();
        long drawn = clock.millis(); // what is left of the deadline is as of now; the outage is timed from the event
        for (Change c : changes) {
            long now = c.at();
            switch (c.state()) {
                case SUSPENDED -> {
                    if (lostAt < 0) {
                        lostAt = now;
                        lines.add("waiting   ZooKeeper unreachable (its quorum lost, or this host cut off" + silence() + "): the"
                                + " hosts keep downloading and hold their reports; waiting for ZooKeeper, deadline in "
                                + Math.max(0, (deadline - drawn) / 1000) + " s");
                    }
                }
                case LOST -> lines.add("waiting   ZooKeeper session of this deploy expired: reconnecting; the reports are read"
                        + " again then, the hosts are not affected");
                case RECONNECTED -> {
                    lines.add("zookeeper back" + (lostAt < 0 ? "" : " " + Math.max(0, (now - lostAt) / 1000) + " s after it was"
                            + " found unreachable" + silence()) + ": following the reports again");
                    lostAt = -1;
                }
                default -> {
                    // CONNECTED (the first connection), READ_ONLY: nothing to say
                }
            }
        }
        return lines;
    }

    /**
     * How long a server that fell silent (stopped, paused, a dropped link) goes unnoticed: the
     * client's read timeout, two thirds of the negotiated session timeout (20 s of the default 30 s).
     * A closed connection is noticed at once; the times above count from when it was noticed.
     */
    private String silence() {
        int session = zk.getZookeeperClient().getLastNegotiatedSessionTimeoutMs();
        return session <= 0 ? "" : "; a server that falls silent is noticed after up to " + session * 2 / 3 / 1000 + " s";
    }

    /**
     * Seconds since ZooKeeper became unreachable as of the last {@link #drain}, or -1 while it is reachable: the
     * reports read before are all there is.
     */
    long unreachableFor(long now) {
        return lostAt < 0 ? -1 : Math.max(0, (now - lostAt) / 1000);
    }

    @Override
    public void close() {
        zk.getConnectionStateListenable().removeListener(listener);
    }
}
