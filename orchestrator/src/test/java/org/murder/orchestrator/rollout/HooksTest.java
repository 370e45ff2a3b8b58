package org.murder.orchestrator.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
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
    }
}
