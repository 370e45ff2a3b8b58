package org.murder.orchestrator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.murder.core.Hex;
import org.murder.core.cli.Cli;
import org.murder.orchestrator.cli.AgentsCommand;
import org.murder.orchestrator.cli.DeployCommand;
import org.murder.orchestrator.cli.JobsCommand;
import org.murder.orchestrator.zk.ZkSettings;
import picocli.CommandLine;

/** {@code --json} of deploy, agents and jobs, run as the command line runs them and parsed back. */
@Timeout(120)
class JsonOutputIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private TestingServer server;
    private AgentFleet fleet;

    @BeforeEach
    void start() throws Exception {
        server = new TestingServer(true);
        // the agents authenticate as the deploy does, with credentials derived from the job secret (agents always have it):
        // only those may add reports under the deploy's nodes
        ZkSettings settings = ZkSettings.of(server.getConnectString()).withTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(5))
                .guardedBy(org.murder.orchestrator.cli.ZkOptions.credentialsOf(new org.murder.orchestrator.job.JobSigner(AgentFleet.SECRET)));
        fleet = new AgentFleet(settings, tmp.resolve("hosts"), AgentFleet.noActivation());
    }

    @AfterEach
    void stop() throws Exception {
        fleet.close();
        server.close();
    }

    private record Run(int exitCode, String out, String err) {
    }

    private Run run(Object command, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Cli.create(command);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private String[] zk(String... more) throws Exception {
        Path secret = tmp.resolve("secret");
        Files.writeString(secret, AgentFleet.SECRET + "\n");
        java.nio.file.Files.setPosixFilePermissions(secret, // as installed: no warning
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        List<String> args = new java.util.ArrayList<>(List.of(more));
        args.addAll(List.of("--zk", server.getConnectString(), "--secret-file", secret.toString()));
        return args.toArray(String[]::new);
    }

    @Test
    void deployAgentsAndJobsPrintOneJsonDocumentThatSaysWhatHappened() throws Exception {
        fleet.start("web-1", List.of("web"));
        fleet.start("web-2", List.of("web"), org.murder.peer.engine.EngineConfig.builder().rack(new org.murder.core.RackName("r2")));
        Path src = Files.createDirectories(tmp.resolve("build"));
        byte[] data = new byte[300_000];
        new Random(5).nextBytes(data);
        Files.write(src.resolve("payload.bin"), data);

        Run deploy = run(new DeployCommand(), zk(src.toString(), "--tag", "v1", "--role", "web", "--json", "--tracker-port", "0",
                "--bind", "127.0.0.1", "--advertise", "127.0.0.1", "--seeder-ports", "46100-46199", "--work-dir",
                tmp.resolve("work").toString(), "--grace", "0s", "--seed-time", "1s"));
        assertEquals(0, deploy.exitCode(), deploy.err());
        JsonNode summary = JSON.readTree(deploy.out()); // the whole of stdout is one document
        assertEquals("v1", summary.get("tag").asText());
        assertEquals("done", summary.get("result").asText());
        assertTrue(summary.get("job").asText().startsWith("v1-"), deploy.out());
        assertEquals(2, summary.get("done").asInt());
        assertEquals(List.of("web-1", "web-2"), hosts(summary.get("hosts"), "host"));
        for (JsonNode h : summary.get("hosts")) {
            assertEquals("done", h.get("result").asText());
            assertEquals("", h.get("error").asText());
        }
        String md5 = Hex.encode(MessageDigest.getInstance("MD5").digest(Files.readAllBytes(tmp.resolve("work/v1.tar.zst"))));
        assertEquals(md5, Hex.encode(MessageDigest.getInstance("MD5").digest(Files.readAllBytes(tmp.resolve("hosts/web-2/v1.tar.zst")))));
        assertTrue(deploy.err().contains("v1: all 2 hosts done"), "the table went to stderr: " + deploy.err());

        Run agents = run(new AgentsCommand(), zk("--json"));
        assertEquals(0, agents.exitCode(), agents.err());
        JsonNode list = JSON.readTree(agents.out()).get("agents");
        assertEquals(List.of("web-1", "web-2"), hosts(list, "name"));
        assertEquals("web", list.get(0).get("roles").get(0).asText());
        assertTrue(list.get(0).get("rack").isNull(), "web-1 was given no rack: " + list);
        assertEquals("r2", list.get(1).get("rack").asText(), "web-2's engine announced r2, and its registration says so");
        Run table = run(new AgentsCommand(), zk());
        assertTrue(table.out().lines().anyMatch(l -> l.startsWith("web-2 ") && l.contains(" r2 ")), table.out());
        assertTrue(table.out().lines().anyMatch(l -> l.startsWith("web-1 ") && l.contains(" - ")), table.out());
        assertTrue(list.get(0).get("signed").asBoolean() && list.get(1).get("signed").asBoolean(), "each agent signs its own: " + list);
        // a registration made with ZooKeeper's credentials but not signed with the secret is listed as such
        try (org.apache.curator.framework.CuratorFramework forger = org.murder.orchestrator.zk.Zk.connect(ZkSettings.of(
                server.getConnectString()).guardedBy(org.murder.orchestrator.cli.ZkOptions.credentialsOf(
                        new org.murder.orchestrator.job.JobSigner(AgentFleet.SECRET))))) {
            forger.create().creatingParentContainersIfNeeded().withMode(org.apache.zookeeper.CreateMode.EPHEMERAL)
                    .forPath(org.murder.orchestrator.zk.ZkPaths.agent("web-9"), org.murder.orchestrator.job.Json.write(
                            new org.murder.orchestrator.job.AgentInfo("web-9", "web-9", "127.0.0.9", List.of("web"), "6881-6889",
                                    "/opt/app", "0.1.0", 1L)));
            Run forged = run(new AgentsCommand(), zk());
            assertTrue(forged.out().lines().anyMatch(l -> l.startsWith("web-9 ") && l.endsWith(" NO")), forged.out());
            assertTrue(forged.out().lines().anyMatch(l -> l.startsWith("web-1 ") && l.endsWith(" yes")), forged.out());
            String last = forged.out().strip().lines().reduce((a, b) -> b).orElse("");
            assertTrue(last.startsWith("3 agents") && last.endsWith("; 1 NOT signed with the job secret (made by a client without it,"
                    + " or agents from before registrations were signed)"), forged.out());
        }

        Run jobs = run(new JobsCommand(), zk("--json", "--hosts"));
        assertEquals(0, jobs.exitCode(), jobs.err());
        JsonNode job = JSON.readTree(jobs.out()).get("jobs").get(0);
        assertEquals(summary.get("job").asText(), job.get("id").asText());
        assertEquals(2, job.get("done").asInt());
        assertEquals("done", job.get("reports").get("web-1").get("state").asText());

        Run dry = run(new DeployCommand(), zk(src.toString(), "--tag", "v2", "--hosts", "web-2", "--dry-run", "--json"));
        assertEquals(0, dry.exitCode(), dry.err());
        assertEquals(List.of("web-2"), JSON.convertValue(JSON.readTree(dry.out()).get("hosts"), List.class));
    }

    private static List<String> hosts(JsonNode array, String field) {
        List<String> out = new java.util.ArrayList<>();
        array.forEach(n -> out.add(n.get(field).asText()));
        return out;
    }
}
