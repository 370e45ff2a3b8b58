package org.murder.orchestrator.deploy;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.murder.core.ByteSize;
import org.murder.core.Printable;
import org.murder.orchestrator.job.HostReport;

/**
 * The live view of a deploy, never a line per host at fleet size. On a terminal: a block redrawn in
 * place, a headline and the throughput, then each host (hosts still running first) when there are
 * at most {@value #MAX_ROWS}, else the {@value DeployState#SLOWEST} slowest running hosts and the
 * failures grouped by reason. Otherwise (a log): for at most {@value #FLEET} hosts one line per
 * host state change, and a headline every few seconds; for more, the headline with the throughput
 * every few seconds, and the failures grouped by reason whenever they changed.
 */
final class ProgressView {
    static final int MAX_ROWS = 25;
    /** Most characters of a row written to a terminal (which cuts it at its width): no megabyte error redrawn each second. */
    static final int MAX_ROW_CHARS = 500;
    /** More hosts than this is a fleet: no line per host in a log. */
    static final int FLEET = 40;
    /** Longest reason or error shown in the grouped failures. */
    static final int REASON_CHARS = 120;
    private static final long LOG_EVERY_MILLIS = 5000;

    private final PrintWriter out;
    private final boolean terminal;
    private final List<String> hosts;
    private final long total;
    private final Map<String, String> lastState = new HashMap<>();
    /** Hosts whose agent's missing registration was logged, until it is back. */
    private final java.util.Set<String> notedUnregistered = new java.util.HashSet<>();
    private int drawnLines;
    private long lastLogged = -LOG_EVERY_MILLIS;
    private List<DeployState.Failure> loggedFailures = List.of();
    private DeployState last;

    ProgressView(PrintWriter out, boolean terminal, List<String> hosts, long total) {
        this.out = out;
        this.terminal = terminal;
        this.hosts = List.copyOf(hosts);
        this.total = total;
    }

    void render(Map<String, HostReport> reports, long elapsedMillis) {
        render(reports, Map.of(), elapsedMillis);
    }

    /**
     * {@code unregistered}: for hosts whose agent's registration is gone, how long ago the deploy
     * saw it go (milliseconds); an unfinished one says so, and when it is back (a killed agent
     * showed {@code downloading} until it was {@code vanished}, 30 s and its session's timeout later).
     */
    void render(Map<String, HostReport> reports, Map<String, Long> unregistered, long elapsedMillis) {
        DeployState state = DeployState.of("", "", hosts, total, reports, elapsedMillis);
        last = state;
        if (terminal) {
            draw(state, reports, unregistered);
        } else if (hosts.size() <= FLEET) {
            log(reports, unregistered, state);
        } else {
            logFleet(state, false);
        }
    }

    static String headline(DeployState s) {
        long all = Math.max(1, s.totalBytes());
        return String.format(Locale.ROOT, "%5.1fs  %d/%d done, %d running, %d failed, %d waiting  (%d%% of all bytes)",
                s.elapsedMillis() / 1000.0, s.count(HostReport.DONE), s.hosts().size(), s.running(), s.failed(),
                s.count(DeployState.WAITING), s.bytes() * 100 / all);
    }

    /** The hosts by state, in the order a deploy goes, those in none left out; and the throughput. */
    static String counts(DeployState s) {
        List<String> parts = new ArrayList<>();
        s.counts().forEach((state, n) -> {
            if (n > 0) {
                parts.add(n + " " + state);
            }
        });
        return "        " + String.join(", ", parts) + "; " + ByteSize.format(s.rate()) + "/s, " + ByteSize.format(s.bytes()) + " of "
                + ByteSize.format(s.totalBytes());
    }

    private void draw(DeployState state, Map<String, HostReport> reports, Map<String, Long> unregistered) {
        List<String> lines = new ArrayList<>();
        lines.add(headline(state));
        if (hosts.size() <= MAX_ROWS) {
            hosts.stream().sorted((a, b) -> Boolean.compare(finished(reports.get(a)), finished(reports.get(b))))
                    .forEach(h -> lines.add(row(h, reports.get(h)) + goneFor(reports.get(h), unregistered.get(h))));
        } else {
            lines.add(counts(state));
            if (!state.slowest().isEmpty()) {
                lines.add("  slowest:");
                state.slowest().forEach(h -> lines.add(slowRow(h)));
            }
            lines.addAll(failureLines(state));
        }
        StringBuilder sb = new StringBuilder();
        if (drawnLines > 0) {
            sb.append("\033[").append(drawnLines).append('A');
        }
        // lines wider than the terminal are cut by it, not wrapped (DECAWM off for the block): the block goes up by its
        // line count, and a wrapped host row (90 columns, or a hook's error of 2,000 characters) left a copy per redraw
        sb.append("\033[?7l");
        for (String line : lines) {
            sb.append("\r\033[K").append(cut(line)).append('\n');
        }
        sb.append("\033[J"); // a block shorter than the last one leaves none of it behind
        sb.append("\033[?7h"); // wrapping back on in the same write: nothing else is printed without it
        out.print(sb);
        out.flush();
        drawnLines = lines.size();
    }

    /** {@code line} cut to {@link #MAX_ROW_CHARS}, never inside a surrogate pair. */
    private static String cut(String line) {
        if (line.length() <= MAX_ROW_CHARS) {
            return line;
        }
        return line.substring(0, Character.isHighSurrogate(line.charAt(MAX_ROW_CHARS - 1)) ? MAX_ROW_CHARS - 1 : MAX_ROW_CHARS);
    }

    private static boolean finished(HostReport r) {
        return r != null && r.isFinished();
    }

    /** A row's note for an unfinished host whose agent is not registered (for {@code millis}; null: it is). */
    private static String goneFor(HostReport r, Long millis) {
        return millis == null || finished(r) ? "" : "  (agent not registered for " + millis / 1000 + " s)";
    }

    /** The line saying a host's agent is not registered (stopped, killed, cut off from ZooKeeper), and when it counts as gone. */
    static String notRegistered(long millis) {
        return String.format(Locale.ROOT, "agent not registered (stopped, or lost its ZooKeeper session): vanished in %d s unless"
                + " it registers again", Math.max(0, (Outcomes.VANISH_GRACE.toMillis() - millis + 999) / 1000));
    }

    private String row(String host, HostReport r) {
        if (r == null) {
            return String.format(Locale.ROOT, "  %-24s waiting", Printable.escape(host));
        }
        int pct = r.total() == 0 ? 100 : (int) (r.bytes() * 100 / r.total());
        int filled = Math.max(0, Math.min(20, pct / 5));
        return String.format(Locale.ROOT, "  %-24s %-11s [%s%s] %3d%% %10s/s %3d peers %s", Printable.escape(host),
                Printable.escape(r.state()),
                "#".repeat(filled), ".".repeat(20 - filled), pct, ByteSize.format(r.rate()), r.peers(), Printable.escape(r.error()));
    }

    private static String slowRow(DeployState.Host h) {
        int filled = h.percent() / 5;
        return String.format(Locale.ROOT, "    %-24s %-11s [%s%s] %3d%% %10s/s", Printable.escape(h.name()),
                Printable.escape(h.state()), "#".repeat(filled), ".".repeat(20 - filled), h.percent(), ByteSize.format(h.rate()));
    }

    /** The failures grouped by reason: at most {@value DeployState#MAX_REASONS} lines and one saying how many more. */
    static List<String> failureLines(DeployState s) {
        if (s.failures().isEmpty()) {
            return List.of();
        }
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "  failed: %d hosts, %d reasons", s.failed(), s.failures().size() + s.moreReasons()));
        for (DeployState.Failure f : s.failures()) {
            String examples = String.join(", ", f.examples().stream().map(Printable::escape).toList())
                    + (f.count() > f.examples().size() ? ", ..." : "");
            lines.add(String.format(Locale.ROOT, "    %5d  %s  (%s)", f.count(), Printable.escape(clip(f.reason())), examples));
        }
        if (s.moreReasons() > 0) {
            lines.add("    ... " + s.moreReasons() + " more reasons");
        }
        return lines;
    }

    private static String clip(String text) {
        return text.length() <= REASON_CHARS ? text : text.substring(0, REASON_CHARS - 3) + "...";
    }

    private void log(Map<String, HostReport> reports, Map<String, Long> unregistered, DeployState state) {
        long elapsedMillis = state.elapsedMillis();
        for (String h : hosts) {
            HostReport r = reports.get(h);
            if (r != null && !r.state().equals(lastState.get(h))) {
                lastState.put(h, r.state());
                out.printf(Locale.ROOT, "%5.1fs  %-24s %s%s%n", elapsedMillis / 1000.0, Printable.escape(h),
                        Printable.escape(r.state()), r.error().isEmpty() ? "" : ": " + Printable.escape(r.error()));
            }
            Long gone = unregistered.get(h);
            if (gone != null && !finished(r) && notedUnregistered.add(h)) {
                out.printf(Locale.ROOT, "%5.1fs  %-24s %s%n", elapsedMillis / 1000.0, Printable.escape(h), notRegistered(gone));
            } else if (gone == null && notedUnregistered.remove(h)) {
                out.printf(Locale.ROOT, "%5.1fs  %-24s agent registered again%n", elapsedMillis / 1000.0, Printable.escape(h));
            }
        }
        if (elapsedMillis - lastLogged >= LOG_EVERY_MILLIS) {
            lastLogged = elapsedMillis;
            out.println(headline(state));
        }
        out.flush();
    }

    /** A fleet in a log: the headline and counts every few seconds (or {@code now}), the failures when they changed. */
    private void logFleet(DeployState state, boolean now) {
        if (!now && state.elapsedMillis() - lastLogged < LOG_EVERY_MILLIS) {
            return;
        }
        lastLogged = state.elapsedMillis();
        out.println(headline(state));
        out.println(counts(state));
        if (!state.failures().equals(loggedFailures)) {
            loggedFailures = state.failures();
            failureLines(state).forEach(out::println);
        }
        out.flush();
    }

    void finish() {
        if (!terminal && hosts.size() > FLEET && last != null && last.elapsedMillis() != lastLogged) {
            logFleet(last, true);
        }
        out.flush();
    }
}
