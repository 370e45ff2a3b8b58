package org.murder.firewall;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.murder.core.MurderException;

/** Runs the firewall tools. Tests give a fake, or a prefix such as {@code ip netns exec NS}. */
@FunctionalInterface
public interface Shell {
    /** What a command said; {@code exit} is its exit code. */
    record Result(int exit, String out, String err) {
        /** The first non-blank line of stderr (else stdout), for one-line errors. */
        public String firstLine() {
            for (String text : List.of(err, out)) {
                for (String line : text.split("\n")) {
                    if (!line.isBlank()) {
                        return org.murder.core.Printable.escape(line.strip()); // a tool may echo what it was given
                    }
                }
            }
            return "exit code " + exit;
        }
    }

    /** Runs {@code argv} with {@code stdin} (may be empty) and returns what it said. */
    Result run(List<String> argv, String stdin);

    default Result run(List<String> argv) {
        return run(argv, "");
    }

    /** Runs the tools of this host (on the PATH, plus /usr/sbin and /sbin). */
    static Shell system() {
        return prefixed(List.of());
    }

    /** Runs every command behind {@code prefix}, e.g. {@code ip netns exec NS}. */
    static Shell prefixed(List<String> prefix) {
        List<String> pre = List.copyOf(prefix);
        Duration limit = Duration.ofSeconds(30);
        return (argv, stdin) -> {
            List<String> cmd = new ArrayList<>(pre);
            cmd.addAll(argv);
            ProcessBuilder pb = new ProcessBuilder(cmd);
            String path = pb.environment().getOrDefault("PATH", "/usr/bin:/bin");
            pb.environment().put("PATH", path + ":/usr/sbin:/sbin");
            Process p;
            try {
                p = pb.start();
            } catch (IOException e) {
                String pkg = argv.get(0).equals("nft") ? "nftables" : argv.get(0).contains("iptables") ? "iptables" : argv.get(0);
                throw MurderException.failure(argv.get(0) + ": cannot run (" + e.getMessage()
                        + "); install it (Debian: apt-get install " + pkg + ")", e);
            }
            try {
                CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
                CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
                try (OutputStream in = p.getOutputStream()) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
                if (!p.waitFor(limit.toSeconds(), TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw MurderException.failure(String.join(" ", argv) + ": no answer within " + limit.toSeconds() + " s", null);
                }
                return new Result(p.exitValue(), new String(out.join(), StandardCharsets.UTF_8),
                        new String(err.join(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw MurderException.failure(String.join(" ", argv) + ": " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
                throw MurderException.failure(String.join(" ", argv) + ": interrupted", e);
            }
        };
    }

    private static byte[] readAll(java.io.InputStream in) {
        try (in) {
            return in.readAllBytes();
        } catch (IOException e) {
            return new byte[0];
        }
    }
}
