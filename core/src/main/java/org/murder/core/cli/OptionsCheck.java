package org.murder.core.cli;

/**
 * A command's checks of its options alone: each value's range and the options against each other, what a murder.conf can
 * get wrong. Made first when the command runs, before anything is opened, and by {@code murder check-config}, which reads a
 * file as every command would: a file that converted but set {@code tracker.threads = 0} or {@code firewall.apply = true}
 * passed the check and failed the service it was written for. Nothing outside the options is looked at (no file, port,
 * user or ZooKeeper: those are the host's, not the file's).
 */
public interface OptionsCheck {
    /** Throws {@link org.murder.core.MurderException} (bad input) naming the option, its value and what was expected. */
    void checkOptions();

    /**
     * The checks a file alone can fail ({@code murder check-config}): all of them, but for a command whose rules pair an
     * option with another that the command line often gives (a member's {@code --myid} beside a fleet's
     * {@code zookeeper.servers}, a deploy's {@code --web PORT} beside {@code deploy.web-bind}): those are left out.
     */
    default void checkFileOptions() {
        checkOptions();
    }
}
