package org.murder.orchestrator.deploy;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.murder.core.Printable;
import org.murder.orchestrator.job.HostReport;

/**
 * What a deploy prints when it ends: the table of host outcomes with its last line, the JSON
 * document of {@code deploy --json}, and which hosts are on which release. Host names, results and
 * errors come from agents: they are escaped, so none can move the cursor or forge a line.
 */
public final class SummaryPrinter {
    private SummaryPrinter() {
    }

    /** Deploys of up to this many hosts list every host; larger ones list the failed and the slowest. */
    static final int FULL_TABLE_HOSTS = 40;
    /** At fleet size: the failed hosts listed (the rest are counted by reason), and the slowest done ones. */
    static final int FAILED_ROWS = 20;
    static final int SLOWEST_ROWS = 10;

    /**
     * Prints the summary table and a last line; returns true when every host succeeded. Up to
     * {@value #FULL_TABLE_HOSTS} hosts, a row per host; at fleet size, the failures grouped by reason,
     * then rows for the first {@value #FAILED_ROWS} failed hosts and the {@value #SLOWEST_ROWS} slowest
     * done ones ({@code --json} holds every host).
     */
    public static boolean summary(PrintWriter out, String tag, List<HostOutcome> outcomes) {
        List<HostOutcome> rows = outcomes;
        if (outcomes.size() > FULL_TABLE_HOSTS) {
            Map<String, Long> reasons = new LinkedHashMap<>();
            outcomes.stream().filter(o -> !o.succeeded()).forEach(o -> reasons.merge(o.label() + ": " + o.error(), 1L, Long::sum));
            out.printf("%n");
            reasons.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(10)
                    .forEach(e -> out.printf(Locale.ROOT, "%6d hosts  %s%n", e.getValue(), Printable.escape(e.getKey())));
            if (reasons.size() > 10) {
                out.printf("%6s        ... and %d more reasons (--json lists every host)%n", "", reasons.size() - 10);
            }
            List<HostOutcome> failed = outcomes.stream().filter(o -> !o.succeeded()).limit(FAILED_ROWS).toList();
            List<HostOutcome> slowest = outcomes.stream().filter(HostOutcome::succeeded)
                    .sorted(java.util.Comparator.comparingDouble(HostOutcome::seconds).reversed()).limit(SLOWEST_ROWS).toList();
            rows = new ArrayList<>(failed);
            rows.addAll(slowest);
        }
        int width = Math.max(4, rows.stream().mapToInt(o -> Printable.escape(o.host()).length()).max().orElse(4));
        out.printf("%n%-" + width + "s  %-11s %8s %9s %9s %9s %9s  %s%n", "HOST", "RESULT", "SECONDS", "MB/S", "DOWN MB", "REBUILT",
                "UP MB", "ERROR");
        if (rows != outcomes) {
            out.printf(Locale.ROOT, "(%d hosts: %s failed and the %d slowest done; --json lists every host)%n", outcomes.size(),
                    outcomes.stream().filter(o -> !o.succeeded()).count() > FAILED_ROWS ? "the first " + FAILED_ROWS : "every",
                    Math.min(SLOWEST_ROWS, outcomes.stream().filter(HostOutcome::succeeded).count()));
        }
        for (HostOutcome o : rows) {
            out.printf("%-" + width + "s  %-11s %8.1f %9s %9s %9s %9s  %s%n", Printable.escape(o.host()),
                    Printable.escape(o.label()), o.seconds(),
                    o.megabytesPerSecond() > 0 ? String.format(Locale.ROOT, "%.1f", o.megabytesPerSecond()) : "-",
                    megabytes(o.downloaded()), megabytes(o.rebuilt()), megabytes(o.uploaded()),
                    Printable.escape(o.error()));
        }
        long down = outcomes.stream().mapToLong(HostOutcome::downloaded).sum();
        long rebuilt = outcomes.stream().mapToLong(HostOutcome::rebuilt).sum();
        if (rebuilt > 0) {
            out.printf(Locale.ROOT, "(REBUILT = good on the host before downloading: rebuilt from the releases it holds,"
                    + " or resumed; %s MB rebuilt, %s MB downloaded in all)%n", megabytes(rebuilt), megabytes(down));
        }
        long ok = outcomes.stream().filter(HostOutcome::succeeded).count();
        double slowest = outcomes.stream().mapToDouble(HostOutcome::seconds).max().orElse(0);
        if (outcomes.stream().anyMatch(HostOutcome::alreadyThere)) {
            out.println("(done* = the archive was on the host before this job (an earlier job, or put there by hand):"
                    + " nothing downloaded)");
        }
        if (outcomes.stream().anyMatch(o -> HostReport.BEFORE_RESTART.equals(o.reused()))) {
            out.println("(done+ = downloaded by this job before its agent restarted: checked again, not downloaded again)");
        }
        if (outcomes.stream().anyMatch(o -> HostReport.LEFT_AS_IT_WAS.equals(o.reused()))) {
            out.println("(done= = a rollback that switched nothing: current was not on the release rolled back (never switched to"
                    + " it, or left already), was on --to's already, or had nothing to go back to; left as it was)");
        }
        if (ok == outcomes.size()) {
            out.printf(Locale.ROOT, "%s: all %d hosts done, slowest %.1f s%n", tag, ok, slowest);
        } else {
            out.printf(Locale.ROOT, "%s: FAILED on %d of %d hosts%n", tag, outcomes.size() - ok, outcomes.size());
        }
        out.flush();
        return ok == outcomes.size();
    }

    private static String megabytes(long bytes) {
        return bytes == 0 ? "-" : String.format(Locale.ROOT, "%.1f", bytes / 1e6);
    }

    /**
     * The summary as {@code deploy --json} prints it: the job, the tag, {@code done} only if every
     * host succeeded, and each host's outcome.
     */
    public static Map<String, Object> summaryDocument(String jobId, String tag, List<HostOutcome> outcomes) {
        return summaryDocument(jobId, tag, outcomes, Map.of());
    }

    /**
     * {@link #summaryDocument(String, String, List)} with the release each host's {@code current}
     * is on ({@code current}; an activating deploy or a rollback), from {@link Deployer#currentByHost()}.
     */
    public static Map<String, Object> summaryDocument(String jobId, String tag, List<HostOutcome> outcomes,
            Map<String, String> current) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("job", jobId);
        doc.put("tag", tag);
        boolean ok = outcomes.stream().allMatch(HostOutcome::succeeded);
        doc.put("result", ok ? "done" : "failed");
        doc.put("done", outcomes.stream().filter(HostOutcome::succeeded).count());
        doc.put("failed", outcomes.stream().filter(o -> !o.succeeded()).count());
        List<Map<String, Object>> hosts = new ArrayList<>();
        for (HostOutcome o : outcomes) {
            Map<String, Object> h = new LinkedHashMap<>();
            h.put("host", o.host());
            h.put("result", o.result());
            h.put("reused", o.reused());
            h.put("seconds", Math.round(o.seconds() * 10) / 10.0);
            h.put("bytes", o.bytes());
            h.put("downloaded", o.downloaded());
            h.put("rebuilt", o.rebuilt());
            h.put("uploaded", o.uploaded());
            h.put("error", o.error());
            // every host has the key (a script reads .current of each): null where it is not known (a host that vanished,
            // a deploy that does not activate); a vanished host's used to be missing
            String on = current.get(o.host());
            h.put("current", on == null || on.isEmpty() ? null : on);
            hosts.add(h);
        }
        doc.put("hosts", hosts);
        return doc;
    }

    /**
     * One line per release saying which hosts are on it ({@code current}), after an activating
     * deploy or a rollback; nothing when no host reported one.
     */
    public static void releasesLine(PrintWriter out, Map<String, String> current) {
        Map<String, List<String>> byRelease = new TreeMap<>();
        current.forEach((host, tag) -> {
            if (!tag.isEmpty()) {
                byRelease.computeIfAbsent(tag, t -> new ArrayList<>()).add(host);
            }
        });
        byRelease.forEach((tag, hosts) -> out.printf("on %-10s %d hosts: %s%n", Printable.escape(tag), hosts.size(),
                String.join(", ", hosts.stream().sorted().limit(20).map(Printable::escape).toList())
                        + (hosts.size() > 20 ? ", ..." : "")));
        out.flush();
    }
}
