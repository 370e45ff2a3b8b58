package org.murder.orchestrator.zk;

import java.util.Optional;
import org.apache.zookeeper.KeeperException;
import org.murder.core.MurderException;
import org.murder.core.Printable;

/**
 * ZooKeeper's refusals, said as an operator can act on them. A deploy host or an agent given another job
 * secret than the one murder's tree was made with (a typo in a path, a rotation half done, two fleets on one
 * ensemble) met {@code murder: unexpected error: ...NoAuthException: KeeperErrorCode = NoAuth for /murder/locks}
 * wherever it first wrote.
 */
public final class ZkErrors {
    private ZkErrors() {
    }

    /** The one-line failure {@code e} (or one of its causes) stands for, when it is a refusal of ZooKeeper's. */
    public static Optional<MurderException> explain(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof MurderException) {
                return Optional.empty(); // said already, in our words
            }
            if (t instanceof KeeperException.NoAuthException noAuth) {
                return Optional.of(MurderException.failure(notAllowed(noAuth.getPath()), noAuth));
            }
        }
        return Optional.empty();
    }

    /** The message for an operation on {@code path} that ZooKeeper refused (NoAuth): a write, or a read under --zk-auth-file. */
    public static String notAllowed(String path) {
        return "zookeeper: " + (path == null ? "murder's tree" : Printable.escape(path, 200)) + ": not allowed (NoAuth):"
                + " murder's nodes there were made with other credentials, another job secret's or another --zk-auth-file's"
                + " (expected: the same secret on the deploy host and every agent; after a rotation, delete the old tree first:"
                + " README, 'Rotating the job secret')";
    }
}
