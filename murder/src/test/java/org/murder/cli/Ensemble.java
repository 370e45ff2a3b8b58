package org.murder.cli;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.murder.testkit.FreePorts;

/**
 * A ZooKeeper ensemble of {@code murder zookeeper} members as separate processes on loopback,
 * started from the distribution ({@code target/murder}). Members are killed when the JVM goes.
 */
final class Ensemble implements AutoCloseable {
    static final Path MURDER = Path.of("target", "murder", "bin", "murder").toAbsolutePath();

    /** One member: its id, client port, {@code --server} spec, log, and process (null until started). */
    static final class Member {
        final int id;
        final int clientPort;
        final String spec;
        final Path log;
        Process process;

        Member(int id, int clientPort, String spec, Path log) {
            this.id = id;
            this.clientPort = clientPort;
            this.spec = spec;
            this.log = log;
        }

        boolean isAlive() {
            return process != null && process.isAlive();
        }

        /** SIGKILL, as a crash or a pulled plug. */
        void kill() throws InterruptedException {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    final List<Member> members = new ArrayList<>();
    private final Path dir;
    private final List<String> extraArgs;
    private final String javaOpts;
    private final Thread reaper = new Thread(this::killAll, "ensemble-reaper");

    /** {@code size} members on loopback under {@code dir}, none started; {@code extraArgs} go to each. */
    Ensemble(Path dir, int size, List<String> extraArgs) throws IOException {
        this(dir, size, extraArgs, "-Xmx512m -XX:TieredStopAtLevel=1");
    }

    /** {@code javaOpts}: the members' MURDER_JAVA_OPTS (empty: the launcher's, as in production). */
    Ensemble(Path dir, int size, List<String> extraArgs, String javaOpts) throws IOException {
        this.dir = dir;
        this.extraArgs = List.copyOf(extraArgs);
        this.javaOpts = javaOpts;
        for (int id = 1; id <= size; id++) {
            members.add(new Member(id, FreePorts.next(), id + "=127.0.0.1:" + FreePorts.next() + ":" + FreePorts.next(), dir.resolve("zk" + id + ".log")));
        }
        Runtime.getRuntime().addShutdownHook(reaper);
    }


    String connectString() {
        return members.stream().map(m -> "127.0.0.1:" + m.clientPort).collect(Collectors.joining(","));
    }

    void startAll() throws IOException {
        for (Member m : members) {
            start(m);
        }
    }

    void start(Member m) throws IOException {
        List<String> argv = new ArrayList<>(List.of(MURDER.toString(), "zookeeper", "--data-dir", dir.resolve("zk" + m.id).toString(),
                "--bind", "127.0.0.1", "--port", String.valueOf(m.clientPort), "--myid", String.valueOf(m.id)));
        for (Member each : members) {
            argv.addAll(List.of("--server", each.spec));
        }
        argv.addAll(extraArgs);
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(m.log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        if (!javaOpts.isEmpty()) {
            pb.environment().put("MURDER_JAVA_OPTS", javaOpts);
        }
        Path conf = dir.resolve("murder.conf"); // empty: never this host's /etc/murder/murder.conf
        if (!Files.exists(conf)) {
            Files.writeString(conf, "");
        }
        pb.environment().put("MURDER_CONF", conf.toString());
        m.process = pb.start();
    }

    /** A four-letter word's answer, or "" when the member does not answer (down, or not listening yet). */
    static String fourLetters(int port, String word) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            s.setSoTimeout(2000);
            OutputStream out = s.getOutputStream();
            out.write(word.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            return "";
        }
    }

    /** Waits (bounded, on what the members answer) until each of {@code up} says imok and serves as leader or follower. */
    void awaitServing(List<Member> up, int seconds) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        for (Member m : up) {
            while (!(fourLetters(m.clientPort, "ruok").equals("imok") && fourLetters(m.clientPort, "srvr").contains("Mode: "))) {
                if (!m.process.isAlive()) {
                    throw new AssertionError("member " + m.id + " exited " + m.process.exitValue() + ":\n" + Files.readString(m.log));
                }
                if (System.nanoTime() > end) {
                    throw new AssertionError("member " + m.id + " not serving within " + seconds + " s: srvr says '"
                            + fourLetters(m.clientPort, "srvr") + "'\n" + Files.readString(m.log));
                }
                Thread.sleep(100);
            }
        }
    }

    Optional<Member> leader(List<Member> among) {
        return among.stream().filter(m -> fourLetters(m.clientPort, "srvr").contains("Mode: leader")).findFirst();
    }

    /** The highest zxid the live members report ({@code srvr}), or -1 when none answers. */
    long zxid() {
        long max = -1;
        for (Member m : members) {
            if (!m.isAlive()) {
                continue;
            }
            for (String line : fourLetters(m.clientPort, "srvr").split("\n")) {
                if (line.startsWith("Zxid: 0x")) {
                    max = Math.max(max, Long.parseUnsignedLong(line.substring(8).trim(), 16));
                }
            }
        }
        return max;
    }

    private void killAll() {
        members.stream().filter(Member::isAlive).forEach(m -> m.process.destroyForcibly());
    }

    @Override
    public void close() throws Exception {
        try {
            Runtime.getRuntime().removeShutdownHook(reaper);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
        for (Member m : members) {
            if (m.isAlive()) {
                m.process.destroy();
            }
        }
        for (Member m : members) {
            if (m.process != null && !m.process.waitFor(20, TimeUnit.SECONDS)) {
                m.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
