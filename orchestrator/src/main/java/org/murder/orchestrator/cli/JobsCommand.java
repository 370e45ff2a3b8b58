package org.murder.orchestrator.cli;

import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
public final class JobsCommand implements Callable<Integer>, org.murder.core.cli.OptionsCheck {
    @Spec
    CommandSpec spec;

    @Mixin
    LoggingOptions logging;

    @Mixin
    ZkOptions zk;

    @Option(names = "--hosts", description = "Also list every host of each job: its state (waiting: no report yet; timeout: not"
            + " finished by the job's deadline) and why.")
    boolean hosts;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "20", description = "Show the N newest jobs. Default: ${DEFAULT-VALUE}.")
    int limit;

    @Option(names = "--prune", paramLabel = "AGE", description = "Delete jobs older than AGE (with its unit: 7d, 12h, 30m) first;"
            + " needs the job secret. A job before its deadline is kept.")
    String pruneAge;

    /** {@code --prune}'s age: a bare number (seconds elsewhere) is refused here, where '7' meant for days deletes every job. */
    static Duration pruneAge(String text) {
        if (text.strip().matches("\\d+")) {
            throw org.murder.core.MurderException.badInput("--prune '" + Printable.escape(text) + "': no unit (expected: an age"
                    + " with its unit, like 7d, 12h or 30m; a bare number would be seconds, and would delete every finished job)");
        }
        try {
            return Durations.parse(text);
        } catch (IllegalArgumentException e) {
            throw org.murder.core.MurderException.badInput("--prune: " + e.getMessage());
        }
    }

    @Mixin
    JsonOutput json = new JsonOutput();

    /** What {@code --json} prints: each job with its counts, and every host's state and report with {@code --hosts}. */
    private Map<String, Object> document(List<Shown> jobs, long pruned) {
        List<Map<String, Object>> list = new java.util.ArrayList<>();
        for (Shown shown : jobs) {
            JobStore.JobStatus s = shown.status();
            Map<String, Object> job = new java.util.LinkedHashMap<>();
            job.put("id", s.job().id());
            job.put("type", s.job().type());
            job.put("tag", s.job().tag());
            job.put("created", Instant.ofEpochMilli(s.job().createdAt()).toString());
            job.put("deadline", Instant.ofEpochMilli(s.job().deadline()).toString());
            job.put("hosts", s.job().hosts().size());
            job.put("done", shown.count(HostReport.DONE));
            job.put("failed", shown.count(HostReport.FAILED));
            job.put("running", shown.running());
            job.put("timeout", shown.count(JobStore.HostLine.TIMEOUT));
            shown.signed().ifPresent(signed -> job.put("signed", signed));
            if (hosts) {
                List<Map<String, Object>> states = new java.util.ArrayList<>();
                for (JobStore.HostLine l : shown.lines()) {
                    Map<String, Object> line = new java.util.LinkedHashMap<>();
                    line.put("host", l.host());
                    line.put("state", l.state());
                    line.put("detail", l.detail());
                    states.add(line);
                }
                job.put("hostStates", states);
                job.put("reports", s.reports());
            }
            list.add(job);
        }
        Map<String, Object> doc = new java.util.LinkedHashMap<>();
        doc.put("jobs", list);
        if (pruneAge != null) {
            doc.put("pruned", pruned);
        }
        return doc;
    }

    /** A job as shown: its status and every host's line at the time of the listing. */
    private record Shown(JobStore.JobStatus status, List<JobStore.HostLine> lines, Optional<Boolean> signed) {
        /** How the SIGNED column reads: yes, NO (agents ignore such a job), or - (no secret here to tell). */
        String signedText() {
            return signed.map(s -> s ? "yes" : "NO").orElse("-");
        }

        long count(String state) {
            return JobStore.JobStatus.count(lines, state);
        }

        long running() {
            return lines.stream().filter(JobStore.HostLine::running).count();
        }
    }

    /** The newest {@code limit} jobs with their host lines; agents' registrations read only for hosts not finished. */
    private List<Shown> shown(CuratorFramework client, JobStore store, Optional<org.murder.orchestrator.job.JobSigner> signer)
            throws Exception {
        long now = Clock.systemUTC().millis();
        Map<String, Boolean> registered = new java.util.HashMap<>();
        List<Shown> out = new java.util.ArrayList<>();
        for (JobStore.JobStatus s : store.list(limit)) {
            out.add(new Shown(s, s.hostLines(now, h -> registered.computeIfAbsent(h, name -> isRegistered(client, name))),
                    signer.map(sg -> sg.verify(s.job()))));
        }
        return out;
    }

    private static boolean isRegistered(CuratorFramework client, String host) {
        try {
            return org.murder.orchestrator.zk.Zk.isRegistration(client.checkExists().forPath(org.murder.orchestrator.zk.ZkPaths.agent(host)));
        } catch (IllegalArgumentException notAName) { // a job written by hand can name anything
            return false;
        } catch (Exception e) {
            throw new IllegalStateException("reading the registration of " + host + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void checkOptions() {
        if (limit < 1 || limit > 100_000) {
            throw org.murder.core.MurderException.badInput("--limit: " + limit + " (expected: 1 to 100000 jobs)");
        }
        if (pruneAge != null) {
            pruneAge(pruneAge);
        }
    }

    @Override
    public Integer call() throws Exception {
        checkOptions();
        PrintWriter out = spec.commandLine().getOut();
        Duration prune = pruneAge == null ? null : pruneAge(pruneAge);
        Optional<org.murder.orchestrator.job.JobSigner> signer = zk.signerIfAny(); // a bad secret before ZooKeeper is asked
        if (prune != null && signer.isEmpty() && zk.authFile == null) {
            // murder's nodes carry a digest ACL of the secret (or of --zk-auth-file's credentials): without either every delete
            // is refused (NOAUTH), job by job
            throw org.murder.core.MurderException.badInput("--prune: needs the job secret (--secret-file FILE readable by this"
                    + " user, secret-file in murder.conf, or MURDER_SECRET) or --zk-auth-file: murder's nodes in ZooKeeper may be"
                    + " deleted only with them");
        }
        try (CuratorFramework client = Zk.connect(zk.settings())) {
            JobStore store = new JobStore(client, signer.orElse(null)); // with the secret, only reports its agents signed
            long pruned = prune == null ? 0 : store.prune(prune, Clock.systemUTC(), signer);
            List<Shown> jobs = shown(client, store, signer);
            if (json.enabled()) {
                JsonOutput.print(out, document(jobs, pruned));
                return 0;
            }
            if (prune != null) {
                out.println("pruned " + pruned + " jobs older than " + Durations.format(prune));
            }
            out.printf("%-40s %-8s %-20s %6s %5s %6s %7s %7s %6s%n", "JOB", "TYPE", "CREATED", "HOSTS", "DONE", "FAILED", "RUNNING",
                    "TIMEOUT", "SIGNED");
            for (Shown shown : jobs) {
                JobStore.JobStatus s = shown.status();
                out.printf("%-40s %-8s %-20s %6d %5d %6d %7d %7d %6s%n", Printable.escape(s.job().id()), Printable.escape(s.job().type()),
                        Instant.ofEpochMilli(s.job().createdAt()).toString().substring(0, 19), s.job().hosts().size(),
                        shown.count(HostReport.DONE), shown.count(HostReport.FAILED), shown.running(),
                        shown.count(JobStore.HostLine.TIMEOUT), shown.signedText());
                if (hosts) {
                    for (JobStore.HostLine l : shown.lines()) {
                        out.printf("    %-24s %-11s %s%n", Printable.escape(l.host()), Printable.escape(l.state()),
                                Printable.escape(l.detail()));
                    }
                }
            }
            if (!jobs.isEmpty() && jobs.stream().allMatch(j -> j.signed().equals(Optional.of(false)))) {
                // every job forged: far likelier this host's secret is not the fleet's
                // on stderr: the table on stdout is what scripts read
                spec.commandLine().getErr().println("note: none of the " + jobs.size() + " jobs is signed with this host's job"
                        + " secret: is it the fleet's? (--secret-file, secret-file in murder.conf, MURDER_SECRET_FILE)");
                spec.commandLine().getErr().flush();
            }
            out.flush();
        }
        return 0;
    }
}
