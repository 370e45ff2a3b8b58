package org.murder.peer.engine;

import java.net.InetAddress;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.murder.core.PortRange;

/** Engines of one test on 127.0.0.1, in a port range of its own; {@link #close()} closes them all. */
final class LoopbackEngines implements AutoCloseable {
    private final PortRange ports;
    private final List<Engine> engines = new CopyOnWriteArrayList<>();

    LoopbackEngines(PortRange ports) {
        this.ports = ports;
    }

    Engine start() {
        return start(EngineConfig.builder(), Clock.systemUTC());
    }

    /** An engine from {@code config} with this range, 127.0.0.1 and two hash threads. */
    Engine start(EngineConfig.Builder config, Clock clock) {
        Engine e = Engine.start(config.portRange(ports).bindAddress(InetAddress.getLoopbackAddress()).hashThreads(2).build(), clock);
        engines.add(e);
        return e;
    }

    @Override
    public void close() {
        engines.forEach(Engine::close);
    }
}
