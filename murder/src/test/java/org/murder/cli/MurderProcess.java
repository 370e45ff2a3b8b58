package org.murder.cli;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The built launcher run as an operator runs it, for tests that need real processes. */
final class MurderProcess {
    static final Path LAUNCHER = Path.of("target", "murder", "bin", "murder").toAbsolutePath();

    private MurderProcess() {
    }

    /**
     * Starts {@code murder ARGS} with stdout and stderr into {@code log}, no stdin, a small heap and an
     * empty murder.conf in {@code tmp} (never this host's /etc/murder/murder.conf).
     */
    static Process start(Path tmp, Path log, String... args) throws IOException {
        List<String> argv = new ArrayList<>(List.of(LAUNCHER.toString()));
        argv.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().put("MURDER_JAVA_OPTS", "-Xmx128m");
        Path conf = tmp.resolve("murder.conf");
        if (!Files.exists(conf)) {
            Files.writeString(conf, "");
        }
        pb.environment().put("MURDER_CONF", conf.toString());
        return pb.start();
    }
}
