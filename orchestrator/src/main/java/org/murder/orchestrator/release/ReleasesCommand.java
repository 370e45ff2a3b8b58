package org.murder.orchestrator.release;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;
import org.murder.core.cli.LoggingOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code murder releases}: the releases of a destination on this host. */
@Command(name = "releases", sortOptions = false,
        description = {"List the releases unpacked under DIR/releases, least recently activated first, with the time of"
                + " their last activation (UTC); '*' marks the one DIR/current points at."},
        footer = {"", "Example:", "  murder releases --dest /opt/app"})
public final class ReleasesCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    LoggingOptions logging;

    @Option(names = "--dest", required = true, paramLabel = "DIR", description = "The deploy destination: holds releases/ and current.")
    Path dest;

    @Mixin
    org.murder.core.cli.JsonOutput json = new org.murder.core.cli.JsonOutput();

    @Override
    public Integer call() {
        ReleaseManager manager = new ReleaseManager(dest);
        List<ReleaseManager.Release> releases = manager.list();
        // current may point at a release removed by hand (rm -rf releases/TAG): the application has no files then
        java.util.Optional<String> dangling = manager.current().filter(tag -> releases.stream().noneMatch(ReleaseManager.Release::current));
        PrintWriter out = spec.commandLine().getOut();
        if (json.enabled()) {
            List<java.util.Map<String, Object>> list = new java.util.ArrayList<>();
            for (ReleaseManager.Release r : releases) {
                java.util.Map<String, Object> one = new java.util.LinkedHashMap<>();
                one.put("tag", r.tag());
                one.put("path", manager.dest().resolve(ReleaseManager.RELEASES).resolve(r.tag()).toString());
                one.put("current", r.current());
                one.put("activatedAt", r.activatedAt().map(DateTimeFormatter.ISO_INSTANT::format).orElse(null));
                list.add(one);
            }
            java.util.Map<String, Object> doc = new java.util.LinkedHashMap<>();
            doc.put("dest", manager.dest().toString());
            doc.put("current", releases.stream().filter(ReleaseManager.Release::current).map(ReleaseManager.Release::tag).findFirst()
                    .orElse(dangling.orElse(null)));
            doc.put("currentMissing", dangling.isPresent());
            doc.put("releases", list);
            org.murder.core.cli.JsonOutput.print(out, doc);
            return dangling.isPresent() ? danglingError(manager, dangling.get()) : 0;
        }
        if (releases.isEmpty()) {
            out.println("no releases in " + org.murder.core.Printable.escape(manager.dest().resolve(ReleaseManager.RELEASES).toString()));
        }
        int width = releases.stream().mapToInt(r -> r.tag().length()).max().orElse(0);
        for (ReleaseManager.Release r : releases) {
            String when = r.activatedAt().map(DateTimeFormatter.ISO_INSTANT::format).orElse("never activated");
            out.println((r.current() ? "* " : "  ") + String.format(java.util.Locale.ROOT, "%-" + width + "s", r.tag()) + "  " + when);
        }
        out.flush();
        return dangling.isPresent() ? danglingError(manager, dangling.get()) : 0;
    }

    /** The one line (its names escaped: a DEST may hold any byte) saying current points at a missing release; exit 1. */
    private int danglingError(ReleaseManager manager, String tag) {
        java.nio.file.Path release = manager.dest().resolve(ReleaseManager.RELEASES).resolve(tag);
        String what;
        if (java.nio.file.Files.isSymbolicLink(release)) {
            String to;
            try {
                to = java.nio.file.Files.readSymbolicLink(release).toString();
            } catch (java.io.IOException e) {
                to = "somewhere it cannot read";
            }
            what = "a link to " + to + ", not a release murder unpacked";
        } else if (java.nio.file.Files.exists(release, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            what = java.nio.file.Files.isDirectory(release, java.nio.file.LinkOption.NOFOLLOW_LINKS) ? "not a release murder can read"
                    : "a file, not a release directory";
        } else {
            what = "missing";
        }
        spec.commandLine().getErr().println(org.murder.core.Printable.escape("murder: current: " + manager.dest().resolve(
                ReleaseManager.CURRENT) + " -> " + ReleaseManager.RELEASES + "/" + tag + ", which is " + what + " (expected: a release under "
                + manager.dest().resolve(ReleaseManager.RELEASES) + "; `murder rollback --dest " + manager.dest()
                + " --to TAG` or a deploy points it at one)"));
        spec.commandLine().getErr().flush();
        return 1;
    }
}
