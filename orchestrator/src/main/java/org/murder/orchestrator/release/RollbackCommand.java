package org.murder.orchestrator.release;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.murder.core.cli.LoggingOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code murder rollback}: switch {@code DIR/current} back, on this host. */
@Command(name = "rollback", sortOptions = false,
        description = {"Switch DIR/current back to the release activated before the current one, or to --to TAG.",
            "One atomic rename: the application sees the old release or the new one, never a mix. Nothing is deleted;"
                    + " a second rollback goes one further back."},
        footer = {"", "Examples:", "  murder rollback --dest /opt/app", "  murder rollback --dest /opt/app --to v41",
            "  murder releases --dest /opt/app     # what there is to roll back to"})
public final class RollbackCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    LoggingOptions logging;

    @Option(names = "--dest", required = true, paramLabel = "DIR", description = "The deploy destination: holds releases/ and current.")
    Path dest;

    @Option(names = "--to", paramLabel = "TAG", description = "The release to switch to. Default: the one activated before the current one.")
    String to;

    @Override
    public Integer call() {
        ReleaseManager releases = new ReleaseManager(dest);
        ReleaseManager.Switch s = releases.rollback(Optional.ofNullable(to));
        PrintWriter out = spec.commandLine().getOut();
        Path current = releases.dest().resolve(ReleaseManager.CURRENT);
        if (s.changed()) {
            out.println("rolled back " + current + " from " + s.from().orElseThrow() + " to " + s.to());
        } else {
            out.println(current + " already points at " + s.to() + "; nothing changed");
        }
        out.flush();
        return 0;
    }
}
