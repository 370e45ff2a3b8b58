package org.murder.orchestrator.deploy;

import java.io.PrintWriter;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.murder.core.ByteSize;
import org.murder.core.Printable;
import org.murder.orchestrator.job.HostReport;

/**
 * The live view of a deploy. On a terminal: a table redrawn in place (hosts still running first,
 * at most {@value #MAX_ROWS} rows). Otherwise: one line per host state change and a summary line
 * every few seconds, which reads well in a log.
 */
final class ProgressView {
    static final int MAX_ROWS = 25;
    private static final long LOG_EVERY_MILLIS = 5000;

    private final PrintWriter out;
    private final boolean terminal;
    private final List<String> hosts;
    private final long total;
    private final Map<String, String> lastState = new HashMap<>();
    private int drawnLines;
    private long lastLogged = -LOG_EVERY_MILLIS;

    ProgressView(PrintWriter out, boolean terminal, List<String> hosts, long total) {
        this.out = out;
        this.terminal = terminal;
        this.hosts = List.copyOf(hosts);
        this.total = total;
    }

    void render(Map<String, HostReport> reports, long elapsedMillis) {
        if (terminal) {
            draw(reports, elapsedMillis);
        } else {
            log(reports, elapsedMillis);
        }
    }

    private String headline(Map<String, HostReport> reports, long elapsedMillis) {
        int done = 0;
        int failed = 0;
        int running = 0;
        long bytes = 0;
        for (String h : hosts) {
            HostReport r = reports.get(h);
            if (r == null) {
                continue;
            }
            bytes += r.bytes();
            switch (r.state()) {
                case HostReport.DONE -> done++;
                case HostReport.FAILED -> failed++;
                default -> running++;
            }
        }
        int waiting = hosts.size() - done - failed - running;
        long all = Math.max(1, total * hosts.size());
        return String.format(Locale.ROOT, "%5.1fs  %d/%d done, %d running, %d failed, %d waiting  (%d%% of all bytes)",
                elapsedMillis / 1000.0, done, hosts.size(), running, failed, waiting, bytes * 100 / all);
    }

    private void draw(Map<String, HostReport> reports, long elapsedMillis) {
        StringBuilder sb = new StringBuilder();
        if (drawnLines > 0) {
            sb.append("\033[").append(drawnLines).append('A');
        }
        int lines = 0;
        sb.append("\r\033[K").append(headline(reports, elapsedMillis)).append('\n');
        lines++;
        List<String> order = hosts.stream().sorted((a, b) -> Boolean.compare(finished(reports.get(a)), finished(reports.get(b))))
                .limit(MAX_ROWS).toList();
        for (String h : order) {
            sb.append("\r\033[K").append(row(h, reports.get(h))).append('\n');
            lines++;
        }
        out.print(sb);
        out.flush();
        drawnLines = lines;
    }

    private static boolean finished(HostReport r) {
        return r != null && r.isFinished();
    }

    private String row(String host, HostReport r) {
        if (r == null) {
            return String.format(Locale.ROOT, "  %-24s waiting", Printable.escape(host));
        }
        int pct = r.total() == 0 ? 100 : (int) (r.bytes() * 100 / r.total());
        int filled = pct / 5;
        return String.format(Locale.ROOT, "  %-24s %-11s [%s%s] %3d%% %10s/s %3d peers %s", Printable.escape(host),
                Printable.escape(r.state()),
                "#".repeat(filled), ".".repeat(20 - filled), pct, ByteSize.format(r.rate()), r.peers(), Printable.escape(r.error()));
    }

    private void log(Map<String, HostReport> reports, long elapsedMillis) {
        for (String h : hosts) {
            HostReport r = reports.get(h);
            if (r != null && !r.state().equals(lastState.get(h))) {
                lastState.put(h, r.state());
                out.printf(Locale.ROOT, "%5.1fs  %-24s %s%s%n", elapsedMillis / 1000.0, Printable.escape(h),
                        Printable.escape(r.state()), r.error().isEmpty() ? "" : ": " + Printable.escape(r.error()));
            }
        }
        if (elapsedMillis - lastLogged >= LOG_EVERY_MILLIS) {
            lastLogged = elapsedMillis;
            out.println(headline(reports, elapsedMillis));
        }
        out.flush();
    }

    void finish() {
        out.flush();
    }
}
