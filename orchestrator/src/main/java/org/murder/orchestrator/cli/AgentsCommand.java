package org.murder.orchestrator.cli;

import java.io.PrintWriter;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.curator.framework.CuratorFramework;
import org.murder.core.Printable;
import org.murder.core.cli.JsonOutput;
import org.murder.core.cli.LoggingOptions;
import org.murder.orchestrator.deploy.Deployer;
import org.murder.orchestrator.job.AgentInfo;
import org.murder.orchestrator.zk.Zk;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code murder agents}: who is registered. */
@Command(name = "agents", description = "List the agents registered in ZooKeeper.")
public final class AgentsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    LoggingOptions logging;

    @Mixin
    ZkOptions zk;

    @Mixin
    JsonOutput json = new JsonOutput();

    @Override
    public Integer call() {
        // with the secret (as for 'murder jobs'), each registration is checked: one not signed with it is no agent of ours
        java.util.Optional<org.murder.orchestrator.job.JobSigner> signer = zk.signerIfAny();
        try (CuratorFramework client = Zk.connect(zk.settings())) {
            Deployer deployer = new Deployer(client, null, Clock.systemUTC(), spec.commandLine().getOut(), false);
            List<org.murder.orchestrator.deploy.ListedAgent> listed = signer.map(deployer::registrations)
                    .orElseGet(() -> deployer.agents().stream().map(a -> new org.murder.orchestrator.deploy.ListedAgent(a, false)).toList());
            List<AgentInfo> agents = listed.stream().map(org.murder.orchestrator.deploy.ListedAgent::info).toList();
            PrintWriter out = spec.commandLine().getOut();
            if (json.enabled()) {
                List<Object> docs = new java.util.ArrayList<>();
                for (org.murder.orchestrator.deploy.ListedAgent a : listed) {
                    @SuppressWarnings("unchecked")
                    java.util.Map<String, Object> doc = org.murder.orchestrator.job.Json.read(org.murder.orchestrator.job.Json.write(a.info()),
                            java.util.LinkedHashMap.class);
                    if (signer.isPresent()) {
                        doc.put("signed", a.signed());
                    }
                    docs.add(doc);
                }
                JsonOutput.print(out, java.util.Map.of("agents", docs));
                return 0;
            }
            // the SIGNED column only with the secret, last (the table without it is as it was)
            String format = signer.isPresent() ? "%-24s %-16s %-12s %-20s %-12s %-22s %-24s %s%n" : "%-24s %-16s %-12s %-20s %-12s %-22s %s%s%n";
            out.printf(format, "NAME", "IP", "PORTS", "ROLES", "RACK", "VERSION", "SINCE", signer.isPresent() ? "SIGNED" : "");
            for (org.murder.orchestrator.deploy.ListedAgent l : listed) {
                AgentInfo a = l.info();
                out.printf(format, Printable.escape(a.name()), Printable.escape(a.ip()),
                        Printable.escape(a.portRange()), Printable.escape(String.join(",", a.roles())),
                        a.rack() == null ? "-" : Printable.escape(a.rack()), Printable.escape(a.version()), Instant.ofEpochMilli(a.since()),
                        signer.isPresent() ? (l.signed() ? "yes" : "NO") : "");
            }
            long unsigned = signer.isPresent() ? listed.stream().filter(l -> !l.signed()).count() : 0;
            out.println(agents.size() + " agents" + builds(agents) + (unsigned == 0 ? "" : "; " + unsigned + " NOT signed with the job"
                    + " secret (made by a client without it, or agents from before registrations were signed)")
                    + (unsigned > 0 && unsigned == listed.size() ? "; none is: unless they are all agents of before, is this host's"
                    + " job secret the fleet's? (--secret-file, secret-file in murder.conf, MURDER_SECRET_FILE)" : ""));
            out.flush();
        }
        return 0;
    }

    /**
     * When the agents run more than one build (an upgrade under way, a host left behind): {@code ", 2 builds:
     * 0.1.0+b0fd2d7a1c on 3, 0.1.0+8189210aa2 on 1"}, the most common first; nothing when they all run one.
     */
    static String builds(List<AgentInfo> agents) {
        java.util.Map<String, Long> counts = agents.stream().collect(java.util.stream.Collectors.groupingBy(
                AgentInfo::version, java.util.TreeMap::new, java.util.stream.Collectors.counting()));
        if (counts.size() < 2) {
            return "";
        }
        StringBuilder text = new StringBuilder(", " + counts.size() + " builds:");
        counts.entrySet().stream()
                .sorted(java.util.Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(e -> text.append(' ').append(Printable.escape(e.getKey())).append(" on ").append(e.getValue()).append(','));
        return text.substring(0, text.length() - 1);
    }
}
