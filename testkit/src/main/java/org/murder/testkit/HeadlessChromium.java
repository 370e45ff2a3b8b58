package org.murder.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real Chromium, headless (Debian's chromium package; scripts/install-test-deps.sh installs
 * it), loading a page as a person's browser would: its script runs, its requests go out. Each run
 * has a throwaway profile under {@code work}. Without chromium the test is skipped, saying why,
 * except on CI ({@code CI=true}), where it fails.
 */
public final class HeadlessChromium {
    public static final Path PATH = Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));
    /** How long one run may take: a cold start on a busy two-core machine takes seconds. */
    static final Duration RUN_LIMIT = Duration.ofSeconds(90);

    private final Path work;
    private int runs;

    private HeadlessChromium(Path work) {
        this.work = work;
    }

    /** Chromium with its profiles and output under {@code work}; skips (fails on CI) when it is not installed. */
    public static HeadlessChromium in(Path work) throws IOException {
        if (!Files.isExecutable(PATH)) {
            if ("true".equals(System.getenv("CI"))) {
                fail(PATH + " is missing: CI must run scripts/install-test-deps.sh (Debian package chromium)");
            }
            assumeTrue(false, PATH + " is missing (apt-get install chromium, or scripts/install-test-deps.sh): browser test skipped");
        }
        return new HeadlessChromium(Files.createDirectories(work));
    }

    /** The DOM of {@code url} after its scripts ran for {@code budget} of virtual time. */
    public String dumpDom(URI url, Duration budget) throws IOException, InterruptedException {
        Path dom = run(url, budget, List.of("--dump-dom"));
        return Files.readString(dom, StandardCharsets.UTF_8);
    }

    /** A PNG of {@code url} at {@code width} x {@code height} after its scripts ran for {@code budget}, written to {@code png}. */
    public void screenshot(URI url, Duration budget, Path png, int width, int height) throws IOException, InterruptedException {
        Files.deleteIfExists(png);
        run(url, budget, List.of("--screenshot=" + png.toAbsolutePath(), "--window-size=" + width + "," + height,
                "--hide-scrollbars"));
    }

    /** Runs chromium once; returns the file holding what it printed on stdout. */
    private Path run(URI url, Duration budget, List<String> what) throws IOException, InterruptedException {
        int n = ++runs;
        Path profile = work.resolve("profile-" + n);
        Path stdout = work.resolve("run-" + n + ".out");
        Path stderr = work.resolve("run-" + n + ".err");
        List<String> command = new ArrayList<>(List.of(PATH.toString(), "--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                "--disable-background-networking", "--disable-sync", "--user-data-dir=" + profile.toAbsolutePath(),
                "--virtual-time-budget=" + budget.toMillis()));
        command.addAll(what);
        command.add(url.toString());
        Process p = new ProcessBuilder(command).directory(work.toFile()).redirectOutput(stdout.toFile())
                .redirectError(stderr.toFile()).start();
        if (!p.waitFor(RUN_LIMIT.toSeconds(), TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            fail("chromium did not finish " + url + " within " + RUN_LIMIT.toSeconds() + " s; stderr:\n" + tail(stderr));
        }
        assertEquals(0, p.exitValue(), "chromium exit status for " + url + "; stderr:\n" + tail(stderr));
        return stdout;
    }

    private static String tail(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    }
}
