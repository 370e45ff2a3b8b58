package org.murder.orchestrator;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.murder.core.PortRange;
import org.murder.orchestrator.agent.Activator;
import org.murder.orchestrator.agent.Agent;
import org.murder.orchestrator.agent.AgentSettings;
import org.murder.orchestrator.job.JobSigner;
import org.murder.orchestrator.release.Generation;
import org.murder.orchestrator.zk.Zk;
import org.murder.orchestrator.zk.ZkSettings;
import org.murder.peer.engine.Engine;
import org.murder.peer.engine.EngineConfig;

/** In-process agents, each with its own ZooKeeper client, engine (loopback) and release root. */
final class AgentFleet implements AutoCloseable {
    static final String SECRET = "test-secret-0123456789abcdef";

    /** One running agent and what it owns. */
    record Running(String name, Agent agent, Engine engine, CuratorFramework zk, Path root) implements AutoCloseable {
        @Override
        public void close() {
            agent.close();
            engine.close();
            zk.close();
        }
    }

    private final ZkSettings zk;
    private final Path base;
    private final Activator activator;
    final List<Running> agents = new ArrayList<>();
    /** Each agent's hooks file, overlay directory and hook user, by name. */
    java.util.function.Function<String, org.murder.orchestrator.rollout.HostSetup> setups =
            n -> org.murder.orchestrator.rollout.HostSetup.none();

    AgentFleet(ZkSettings zk, Path base, Activator activator) {
        this.zk = zk;
        this.base = base;
        this.activator = activator;
    }

    Running start(String name, List<String> roles) throws Exception {
        return start(name, roles, EngineConfig.builder());
    }

    Running start(String name, List<String> roles, EngineConfig.Builder config) throws Exception {
        return start(name, roles, config, Clock.systemUTC());
    }

    /** An agent whose deadlines and reports follow {@code agentClock} (its engine keeps the system clock). */
    Running start(String name, List<String> roles, EngineConfig.Builder config, Clock agentClock) throws Exception {
        Path root = Files.createDirectories(base.resolve(name));
        CuratorFramework client = Zk.connect(zk);
        Engine engine = Engine.start(config.portRange(new PortRange(45000, 45999))
                .bindAddress(InetAddress.getLoopbackAddress()).announceIp("127.0.0.1").hashThreads(1).build(), Clock.systemUTC());
        Agent agent = new Agent(client, new AgentSettings(name, roles, root, "127.0.0.1"), engine, new JobSigner(SECRET),
                activator, agentClock, setups.apply(name));
        agent.start(10);
        Running r = new Running(name, agent, engine, client, root);
        agents.add(r);
        return r;
    }

    static Activator noActivation() {
        return new Activator() {
            @Override
            public void activate(Path dest, String tag, Path archive, int keep, Generation by) {
                throw new UnsupportedOperationException("activation is not part of this test");
            }

            @Override
            public String rollback(Path dest, Optional<String> tag, Generation by) {
                throw new UnsupportedOperationException("rollback is not part of this test");
            }
        };
    }

    /** Stops one agent as a crash would look to the others: its engine and ZooKeeper session end. */
    void kill(Running r) {
        r.close();
        agents.remove(r);
    }

    @Override
    public void close() {
        agents.forEach(Running::close);
    }
}
