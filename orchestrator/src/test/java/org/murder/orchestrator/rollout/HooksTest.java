package org.murder.orchestrator.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.murder.core.MurderException;

class HooksTest {
    @Test
    void commandsUrlsAndTimeouts() {
        Hooks h = Hooks.parse(List.of("# drain", "pre-activate = echo disable | socat stdio /run/haproxy.sock", "",
                "health = http://127.0.0.1:8080/health 204", "health.timeout = 30s", "post-health=echo enable"), "release murder.hooks");
        HookSpec pre = h.get(Hook.PRE_ACTIVATE).orElseThrow();
        assertEquals("echo disable | socat stdio /run/haproxy.sock", pre.command());
        assertEquals(HookSpec.DEFAULT_TIMEOUT, pre.timeout());
        assertEquals("release murder.hooks:2", pre.source());
        HookSpec health = h.get(Hook.HEALTH).orElseThrow();
        assertEquals(Optional.of("http://127.0.0.1:8080/health"), health.url());
        assertEquals(204, health.expectedStatus());
        assertEquals(Duration.ofSeconds(30), health.timeout());
        assertTrue(h.get(Hook.POST_ACTIVATE).isEmpty());
        assertEquals(200, Hooks.parse(List.of("health = https://x/h"), "f").get(Hook.HEALTH).orElseThrow().expectedStatus());
        assertTrue(Hooks.parse(List.of("health = curl -fsS http://x/"), "f").get(Hook.HEALTH).orElseThrow().url().isEmpty(),
                "a command that mentions a URL stays a command");
    }

    @Test
    void aLaterFileOverridesHookByHook() {
        Hooks release = Hooks.parse(List.of("pre-activate = a", "health = b"), "release");
        Hooks agent = Hooks.parse(List.of("health = c"), "agent");
        Hooks merged = release.overriddenBy(agent);
        assertEquals("a", merged.get(Hook.PRE_ACTIVATE).orElseThrow().command());
        assertEquals("c", merged.get(Hook.HEALTH).orElseThrow().command());
    }

    @Test
    void mistakesNameTheLine() {
        assertEquals("f:2: hook 'pre-activte' (expected: pre-activate, post-activate, health or post-health)",
                assertThrows(MurderException.class, () -> Hooks.parse(List.of("#", "pre-activte = x"), "f")).getMessage());
        assertEquals("f:1: 'health' (expected: HOOK = command)",
                assertThrows(MurderException.class, () -> Hooks.parse(List.of("health"), "f")).getMessage());
        assertTrue(assertThrows(MurderException.class, () -> Hooks.parse(List.of("health.timeout = soon"), "f")).getMessage()
                .startsWith("f:1: "));
        assertEquals("f:3: pre-activate again (first at line 1; expected: each key once)", assertThrows(MurderException.class,
                () -> Hooks.parse(List.of("pre-activate = drain", "health = true", "pre-activate = rm -rf /srv"), "f")).getMessage());
        assertEquals("f:2: health.timeout again (first at line 1; expected: each key once)", assertThrows(MurderException.class,
                () -> Hooks.parse(List.of("health.timeout = 1m", "health.timeout = 2m"), "f")).getMessage());
        assertEquals("f:1: health: status 999 (expected: an HTTP status, 100 to 599)", assertThrows(MurderException.class,
                () -> Hooks.parse(List.of("health = http://127.0.0.1:8080/health 999"), "f")).getMessage());
        MurderException zero = assertThrows(MurderException.class, () -> Hooks.parse(List.of("health = true", "health.timeout = 0s"), "f"));
        assertEquals("f:2: health.timeout: 0s (expected: a positive duration, e.g. 60s)", zero.getMessage());
        assertEquals(2, zero.exitCode(), "bad input, not an unexpected error");
    }

    /** A hooks file that is not one: each an error naming it, none read as "no hooks", none read whole whatever its size. */
    @Test
    void aLinkToNothingAFileTooLargeOrNotAFileIsAnError(@TempDir Path dir) throws Exception {
        assertTrue(Hooks.read(dir.resolve(Hooks.FILE), "release").isEmpty(), "no file: no hooks");
        Path file = dir.resolve(Hooks.FILE);
        Files.createSymbolicLink(file, Path.of("hooks/prod.hooks"));
        assertEquals("release " + file + ": a link to hooks/prod.hooks, which is missing (expected: the hooks file, or no murder.hooks)",
                assertThrows(MurderException.class, () -> Hooks.read(file, "release")).getMessage());
        Files.createDirectories(dir.resolve("hooks"));
        Files.writeString(dir.resolve("hooks/prod.hooks"), "health = true\n");
        assertEquals("true", Hooks.read(file, "release").get(Hook.HEALTH).orElseThrow().command(), "the link to a file is read");

        Path big = dir.resolve("big.hooks");
        try (java.io.Writer w = Files.newBufferedWriter(big)) {
            for (int i = 0; i * 15 <= Hooks.MAX_BYTES; i++) {
                w.write("# comment line\n"); // 15 bytes a line
            }
        }
        assertEquals("agent " + big + ": larger than 1024 KiB (expected: a murder.hooks file of a few lines)",
                assertThrows(MurderException.class, () -> Hooks.read(big, "agent")).getMessage());

        assertEquals("release " + dir.resolve("hooks") + ": not a regular file (expected: a murder.hooks file)",
                assertThrows(MurderException.class, () -> Hooks.read(dir.resolve("hooks"), "release")).getMessage());
        Path fifo = dir.resolve("fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        assertThrows(MurderException.class, () -> Hooks.read(fifo, "release"), "a FIFO is refused, not read (that would block)");
    }
}
