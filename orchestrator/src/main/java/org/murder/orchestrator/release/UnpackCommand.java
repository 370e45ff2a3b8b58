package org.murder.orchestrator.release;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.murder.core.ByteSize;
import org.murder.core.cli.LoggingOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code murder unpack}: unpack a release archive the way agents do, into a new directory. */
@Command(name = "unpack", sortOptions = false,
        description = {"Unpack a release archive (.tar.zst, .tar.gz or .tar: read from its first bytes) into a new DIR, as agents do.",
            "Nothing can land outside DIR: absolute names, '..', links that lead out and device files are refused;"
                    + " on any error DIR is not left half-written."},
        footer = {"", "Examples:", "  murder unpack v42.tar.zst /tmp/v42"})
public final class UnpackCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    LoggingOptions logging;

    @Parameters(index = "0", paramLabel = "ARCHIVE", description = "The release archive.")
    Path archive;

    @Parameters(index = "1", paramLabel = "DIR", description = "A directory that does not exist yet.")
    Path target;

    @Override
    public Integer call() {
        long started = System.nanoTime();
        SafeExtractor.Extracted done = new SafeExtractor().extract(archive, target);
        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "unpacked %s into %s: %d entries, %s in %.2f s%n", org.murder.core.Printable.escape(archive.toString()),
                org.murder.core.Printable.escape(target.toString()), done.entries(),
                ByteSize.format(done.bytes()), (System.nanoTime() - started) / 1e9);
        out.flush();
        return 0;
    }
}
