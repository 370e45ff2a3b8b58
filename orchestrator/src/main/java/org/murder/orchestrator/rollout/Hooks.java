package org.murder.orchestrator.rollout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.murder.core.Durations;
import org.murder.core.MurderException;
import org.murder.core.Printable;

/**
 * The hooks of an activation, read from a {@code murder.hooks} file: in the release (versioned with
 * the code) and/or in the agent's configuration for the host. The format is murder.conf's:
 *
 * <pre>
 * pre-activate  = echo "disable server be/$MURDER_HOST" | socat stdio /run/haproxy/admin.sock
 * post-activate = systemctl restart app
 * health        = http://127.0.0.1:8080/health 200
 * health.timeout = 60s
 * post-health   = echo "enable server be/$MURDER_HOST" | socat stdio /run/haproxy/admin.sock
 * </pre>
 *
 * A key is a {@link Hook} name, or one followed by {@code .timeout}. {@code health} is a command,
 * or {@code http://...} with the expected status (default 200). A file given later overrides the
 * hooks it names ({@link #overriddenBy}).
 */
public final class Hooks {
    public static final String FILE = "murder.hooks";
    private static final Pattern URL_STATUS = Pattern.compile("(https?://\\S+)(?:\\s+(\\d{3}))?");

    private final Map<Hook, HookSpec> specs;

    private Hooks(Map<Hook, HookSpec> specs) {
        this.specs = specs.isEmpty() ? Map.of() : Map.copyOf(specs);
    }

    public static Hooks none() {
        return new Hooks(Map.of());
    }

    /** The most a hooks file may hold: a handful of lines (read whole into memory; an agent's heap is small). */
    public static final int MAX_BYTES = 1024 * 1024;

    /**
     * The hooks of {@code file}, none if it does not exist; a malformed file is an error naming the line.
     * A link to nothing is an error, not "no hooks": a release whose hooks file was left out would activate
     * without its health check. Past {@link #MAX_BYTES}, or not a regular file, an error too.
     */
    public static Hooks read(Path file, String origin) {
        List<String> lines;
        String named = origin + " " + Printable.escape(file.toString());
        try {
            try {
                Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException e) {
                return none(); // nothing there, not even a link (a directory we may not search fails below, as unreadable)
            }
            java.nio.file.attribute.BasicFileAttributes target;
            try {
                target = Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class);
            } catch (NoSuchFileException e) {
                throw MurderException.badInput(named + ": a link to " + Printable.escape(Files.readSymbolicLink(file).toString())
                        + ", which is missing (expected: the hooks file, or no " + FILE + ")");
            }
            if (!target.isRegularFile()) {
                throw MurderException.badInput(named + ": not a regular file (expected: a " + FILE + " file)");
            }
            byte[] bytes;
            try (java.io.InputStream in = Files.newInputStream(file)) {
                bytes = in.readNBytes(MAX_BYTES + 1);
            }
            if (bytes.length > MAX_BYTES) {
                throw MurderException.badInput(named + ": larger than " + MAX_BYTES / 1024 + " KiB (expected: a " + FILE
                        + " file of a few lines)");
            }
            lines = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString().lines().toList();
        } catch (NoSuchFileException e) {
            return none(); // gone since it was looked at
        } catch (java.nio.charset.CharacterCodingException e) {
            throw MurderException.badInput(origin + " " + org.murder.core.Printable.escape(file.toString())
                    + ": not text (expected: a murder.hooks file in UTF-8)", e);
        } catch (IOException e) {
            throw MurderException.failure(origin + " " + org.murder.core.Printable.escape(file.toString()) + ": cannot read ("
                    + org.murder.core.io.IoErrors.describe(e) + ")", e);
        }
        return parse(lines, origin + " " + file);
    }

    static Hooks parse(List<String> lines, String origin) {
        Map<Hook, String> values = new EnumMap<>(Hook.class);
        Map<Hook, Integer> where = new EnumMap<>(Hook.class);
        Map<Hook, Duration> timeouts = new EnumMap<>(Hook.class);
        Map<String, Integer> firstAt = new java.util.HashMap<>();
        for (org.murder.core.cli.KeyValueLines.Entry line : org.murder.core.cli.KeyValueLines.parse(lines, origin, "HOOK = command")) {
            int n = line.line();
            String at = origin + ":" + n;
            String key = line.key();
            String value = line.value();
            try {
                Integer before = firstAt.putIfAbsent(key, n);
                if (before != null) {
                    throw new IllegalArgumentException(key + " again (first at line " + before + "; expected: each key once)");
                }
                if (key.endsWith(".timeout")) {
                    Duration timeout = Durations.parse(value);
                    if (timeout.isZero() || timeout.isNegative()) {
                        throw new IllegalArgumentException(key + ": " + value + " (expected: a positive duration, e.g. 60s)");
                    }
                    timeouts.put(Hook.parse(key.substring(0, key.length() - ".timeout".length())), timeout);
                } else {
                    Hook hook = Hook.parse(key);
                    if (value.isEmpty()) {
                        throw new IllegalArgumentException(key + ": empty (expected: a command)");
                    }
                    Matcher url = URL_STATUS.matcher(value);
                    if (hook == Hook.HEALTH && url.matches() && url.group(2) != null
                            && (Integer.parseInt(url.group(2)) < 100 || Integer.parseInt(url.group(2)) > 599)) {
                        throw new IllegalArgumentException(key + ": status " + url.group(2) + " (expected: an HTTP status, 100 to 599)");
                    }
                    values.put(hook, value);
                    where.put(hook, n);
                }
            } catch (IllegalArgumentException | MurderException e) {
                throw MurderException.badInput(Printable.escape(at) + ": " + e.getMessage());
            }
        }
        Map<Hook, HookSpec> specs = new EnumMap<>(Hook.class);
        for (Map.Entry<Hook, String> e : values.entrySet()) {
            Hook hook = e.getKey();
            String source = origin + ":" + where.get(hook);
            Duration timeout = timeouts.getOrDefault(hook, HookSpec.DEFAULT_TIMEOUT);
            Matcher m = URL_STATUS.matcher(e.getValue());
            if (hook == Hook.HEALTH && m.matches()) {
                int status = m.group(2) == null ? 200 : Integer.parseInt(m.group(2));
                specs.put(hook, new HookSpec(hook, "", Optional.of(m.group(1)), status, timeout, source));
            } else {
                specs.put(hook, new HookSpec(hook, e.getValue(), Optional.empty(), 0, timeout, source));
            }
        }
        return new Hooks(specs);
    }

    public Optional<HookSpec> get(Hook hook) {
        return Optional.ofNullable(specs.get(hook));
    }

    public boolean isEmpty() {
        return specs.isEmpty();
    }

    /** These hooks with those {@code later} defines put in their place. */
    public Hooks overriddenBy(Hooks later) {
        Map<Hook, HookSpec> merged = new EnumMap<>(Hook.class);
        merged.putAll(specs);
        merged.putAll(later.specs);
        return new Hooks(merged);
    }

    @Override
    public String toString() {
        return specs.keySet().stream().map(Hook::key).toList().toString();
    }
}
