package org.murder.orchestrator.cli;

import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.curator.framework.CuratorFramework;
import org.murder.core.Durations;
import org.murder.core.Printable;
import org.murder.core.cli.JsonOutput;
import org.murder.core.cli.LoggingOptions;
import org.murder.orchestrator.job.HostReport;
import org.murder.orchestrator.job.JobStore;
import org.murder.orchestrator.zk.Zk;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code murder jobs}: recent jobs and how each host did. */
@Command(name = "jobs", description = "List recent jobs and their per-host results; --prune removes old ones.")
public final class JobsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    LoggingOptions logging;

    @Mixin
    ZkOptions zk;

    @Option(names = "--hosts", description = "Also list every host's report.")
    boolean hosts;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "20", description = "Show the N newest jobs. Default: ${DEFAULT-VALUE}.")
    int limit;

    @Option(names = "--prune", paramLabel = "AGE", description = "Delete jobs older than AGE (like 7d) first.")
    Duration prune;

    @Mixin
    JsonOutput json = new JsonOutput();

    /** What {@code --json} prints: each job with its counts, and every host's report with {@code --hosts}. */
    private Map<String, Object> document(List<JobStore.JobStatus> jobs, long pruned) {
        List<Map<String, Object>> list = new java.util.ArrayList<>();
        for (JobStore.JobStatus s : jobs) {
            long done = s.count(HostReport.DONE);
            long failed = s.count(HostReport.FAILED);
            Map<String, Object> job = new java.util.LinkedHashMap<>();
            job.put("id", s.job().id());
            job.put("type", s.job().type());
            job.put("tag", s.job().tag());
            job.put("created", Instant.ofEpochMilli(s.job().createdAt()).toString());
            job.put("deadline", Instant.ofEpochMilli(s.job().deadline()).toString());
            job.put("hosts", s.job().hosts().size());
            job.put("done", done);
            job.put("failed", failed);
            job.put("running", s.reports().size() - done - failed);
            if (hosts) {
                job.put("reports", s.reports());
            }
            list.add(job);
        }
        Map<String, Object> doc = new java.util.LinkedHashMap<>();
        doc.put("jobs", list);
        if (prune != null) {
            doc.put("pruned", pruned);
        }
        return doc;
    }

    @Override
    public Integer call() throws Exception {
        if (limit < 1 || limit > 100_000) {
            throw org.murder.core.MurderException.badInput("--limit: " + limit + " (expected: 1 to 100000 jobs)");
        }
        PrintWriter out = spec.commandLine().getOut();
        try (CuratorFramework client = Zk.connect(zk.settings())) {
            JobStore store = new JobStore(client);
            long pruned = prune == null ? 0 : store.prune(prune, Clock.systemUTC());
            if (json.enabled()) {
                JsonOutput.print(out, document(store.list().stream().limit(Math.max(0, limit)).toList(), pruned));
                return 0;
            }
            if (prune != null) {
                out.println("pruned " + pruned + " jobs older than " + Durations.format(prune));
            }
            List<JobStore.JobStatus> jobs = store.list();
            out.printf("%-40s %-8s %-20s %6s %5s %6s %7s%n", "JOB", "TYPE", "CREATED", "HOSTS", "DONE", "FAILED", "RUNNING");
            for (JobStore.JobStatus s : jobs.stream().limit(Math.max(0, limit)).toList()) {
                long done = s.count(HostReport.DONE);
                long failed = s.count(HostReport.FAILED);
                out.printf("%-40s %-8s %-20s %6d %5d %6d %7d%n", Printable.escape(s.job().id()), Printable.escape(s.job().type()),
                        Instant.ofEpochMilli(s.job().createdAt()).toString().substring(0, 19), s.job().hosts().size(), done,
                        failed, s.reports().size() - done - failed);
                if (hosts) {
                    for (Map.Entry<String, HostReport> r : s.reports().entrySet()) {
                        out.printf("    %-24s %-11s %s%n", Printable.escape(r.getKey()), Printable.escape(r.getValue().state()),
                                Printable.escape(r.getValue().error()));
                    }
                }
            }
            out.flush();
        }
        return 0;
    }
}
