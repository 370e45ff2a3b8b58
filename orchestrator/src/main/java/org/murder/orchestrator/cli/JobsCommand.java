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

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (CuratorFramework client = Zk.connect(zk.settings())) {
            JobStore store = new JobStore(client);
            if (prune != null) {
                out.println("pruned " + store.prune(prune, Clock.systemUTC()) + " jobs older than " + Durations.format(prune));
            }
            List<JobStore.JobStatus> jobs = store.list();
            out.printf("%-40s %-8s %-20s %6s %5s %6s %7s%n", "JOB", "TYPE", "CREATED", "HOSTS", "DONE", "FAILED", "RUNNING");
            for (JobStore.JobStatus s : jobs.stream().limit(Math.max(0, limit)).toList()) {
                long done = s.count(HostReport.DONE);
                long failed = s.count(HostReport.FAILED);
                out.printf("%-40s %-8s %-20s %6d %5d %6d %7d%n", s.job().id(), s.job().type(),
                        Instant.ofEpochMilli(s.job().createdAt()).toString().substring(0, 19), s.job().hosts().size(), done,
                        failed, s.reports().size() - done - failed);
                if (hosts) {
                    for (Map.Entry<String, HostReport> r : s.reports().entrySet()) {
                        out.printf("    %-24s %-11s %s%n", r.getKey(), r.getValue().state(), r.getValue().error());
                    }
                }
            }
            out.flush();
        }
        return 0;
    }
}
