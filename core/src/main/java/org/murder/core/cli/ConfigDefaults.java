package org.murder.core.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.murder.core.MurderException;
import org.murder.core.Printable;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Option defaults from the environment and the config file, so flags beat environment beats file
 * beats built-in default. {@code --port-range} is {@code MURDER_PORT_RANGE} in the environment and
 * {@code port-range = ...} in {@code /etc/murder/murder.conf} (another file with {@code MURDER_CONF},
 * which must then exist). A key may be qualified by command: {@code agent.roles = web}. Every key
 * must name a long option of some murder command ({@link #checkKeys}): a misspelt key is an error,
 * not a setting silently ignored.
 */
public final class ConfigDefaults implements IDefaultValueProvider {
    public static final Path DEFAULT_FILE = Path.of("/etc/murder/murder.conf");

    /** One {@code key = value} line of the file. */
    public record Entry(String key, String value, int line) {
    }

    private final Function<String, String> env;
    private final Path path;
    private final Map<String, Entry> file;

    public ConfigDefaults(Function<String, String> env, Path configFile) {
        this.env = env;
        this.path = configFile;
        this.file = read(configFile, false);
    }

    private ConfigDefaults(Function<String, String> env, Path configFile, boolean required) {
        this.env = env;
        this.path = configFile;
        this.file = read(configFile, required);
    }

    /** No defaults: neither an environment nor a file (murder check-config judges the file it is given, nothing else). */
    public static ConfigDefaults none() {
        return new ConfigDefaults(name -> null, Path.of("/nonexistent/murder.conf"), false);
    }

    /** The defaults of this process: {@code MURDER_CONF} (which must exist) or the default file (if any). */
    public static ConfigDefaults fromSystem() {
        return fromEnvironment(System::getenv);
    }

    public static ConfigDefaults fromEnvironment(Function<String, String> env) {
        String named = env.apply("MURDER_CONF");
        if (named == null || named.isEmpty()) {
            return new ConfigDefaults(env, DEFAULT_FILE, false);
        }
        return new ConfigDefaults(env, Path.of(named), true);
    }

    public Path path() {
        return path;
    }

    public boolean hasFileKeys() {
        return !file.isEmpty();
    }

    static Map<String, Entry> read(Path path, boolean required) {
        Map<String, Entry> out = new LinkedHashMap<>();
        List<String> lines;
        try {
            lines = org.murder.core.io.SmallFiles.read(path, 1 << 20, required ? "MURDER_CONF" : "murder.conf").lines().toList();
        } catch (NoSuchFileException e) {
            if (required) {
                throw MurderException.badInput("MURDER_CONF: " + Printable.escape(path.toString())
                        + ": no such file (expected: a murder.conf to read, or MURDER_CONF unset for " + DEFAULT_FILE + ")");
            }
            return out;
        } catch (IOException e) {
            if (!required && !Files.exists(path)) {
                return out;
            }
            throw MurderException.badInput(Printable.escape(path.toString()) + ": cannot read (" + org.murder.core.io.IoErrors.describe(e)
                    + ")");
        }
        if (!lines.isEmpty() && lines.get(0).startsWith("\uFEFF")) { // a byte-order mark (some Windows editors): not part of the key
            lines = new java.util.ArrayList<>(lines);
            lines.set(0, lines.get(0).substring(1));
        }
        for (KeyValueLines.Entry e : KeyValueLines.parse(lines, path.toString(), "key = value")) {
            Entry previous = out.put(e.key(), new Entry(e.key(), e.value(), e.line()));
            if (previous != null) {
                throw MurderException.badInput(Printable.escape(path + ":" + e.line() + ": '" + e.key() + "'") + " is set again (first on"
                        + " line " + previous.line() + "; expected: each key once)");
            }
        }
        return out;
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        return lookup(arg).map(Source::value).orElse(null);
    }

    /** Where the default of {@code arg} came from, e.g. {@code MURDER_ZK_TIMEOUT} or {@code /etc/murder/murder.conf:3}. */
    public Optional<String> sourceOf(ArgSpec arg) {
        return lookup(arg).map(Source::where);
    }

    private record Source(String value, String where) {
    }

    /**
     * The value the environment or the file gives option {@code name} of {@code spec}'s command, with
     * where it came from ({@code VALUE (from WHERE)} is how errors name it); empty when neither sets it
     * or when the command was not given this provider. For options in an argument group: picocli
     * applies no default to a group none of whose options is on the command line, so the command
     * asks here itself (a tracker's {@code tracker.whitelist} in murder.conf went unread).
     */
    public static Optional<Map.Entry<String, String>> configured(CommandSpec spec, String name) {
        if (!(spec.commandLine() != null && spec.commandLine().getDefaultValueProvider() instanceof ConfigDefaults defaults)) {
            return Optional.empty();
        }
        OptionSpec option = spec.findOption(name);
        return option == null ? Optional.empty() : defaults.lookup(option).map(s -> Map.entry(s.value(), s.where()));
    }

    private Optional<Source> lookup(ArgSpec arg) {
        if (!(arg instanceof OptionSpec option) || option.longestName().length() <= 2 || !option.longestName().startsWith("--")
                || option.usageHelp() || option.versionHelp()) {
            return Optional.empty(); // MURDER_HELP or MURDER_VERSION in the environment must not turn every command into help
        }
        String key = option.longestName().substring(2);
        String envName = "MURDER_" + key.toUpperCase(Locale.ROOT).replace('-', '_');
        String fromEnv = env.apply(envName);
        if (fromEnv != null && !fromEnv.isEmpty()) {
            return Optional.of(new Source(fromEnv, envName));
        }
        String command = option.command() == null ? null : option.command().name();
        Entry entry = command == null ? null : file.get(command + "." + key);
        if (entry == null) {
            entry = file.get(key);
        }
        return Optional.ofNullable(entry).map(e -> new Source(e.value(), path + ":" + e.line()));
    }

    /**
     * The file's keys that no command in {@code tree} (the command and its subcommands, at any
     * depth) takes: {@code key} must be a long option of one of them, {@code command.key} one of that
     * command.
     */
    public List<Entry> unknownKeys(CommandSpec tree) {
        Set<String> known = knownKeys(tree);
        List<Entry> unknown = new ArrayList<>();
        for (Entry e : file.values()) {
            if (!known.contains(e.key())) {
                unknown.add(e);
            }
        }
        return unknown;
    }

    /**
     * Refuses the first key of the file that no command of {@code tree} takes, with the nearest
     * known key as a suggestion.
     */
    public void checkKeys(CommandSpec tree) {
        List<Entry> unknown = unknownKeys(tree);
        if (unknown.isEmpty()) {
            return;
        }
        Entry first = unknown.get(0);
        String hint = nearest(first.key(), knownKeys(tree)).map(k -> "; did you mean '" + k + "'?").orElse("");
        throw MurderException.badInput(Printable.escape(path + ":" + first.line() + ": unknown key '" + first.key() + "'")
                + " (expected: a long option of a murder command without its dashes, e.g. zk, or COMMAND.OPTION, e.g. agent.roles"
                + hint + ")");
    }

    static Set<String> knownKeys(CommandSpec tree) {
        Set<String> known = new TreeSet<>();
        addKeys(tree, known);
        return known;
    }

    private static void addKeys(CommandSpec spec, Set<String> known) {
        for (OptionSpec o : spec.options()) {
            String name = o.longestName();
            if (name.startsWith("--") && name.length() > 2 && !o.usageHelp() && !o.versionHelp()) {
                known.add(name.substring(2));
                known.add(spec.name() + "." + name.substring(2));
            }
        }
        for (var sub : spec.subcommands().values()) {
            addKeys(sub.getCommandSpec(), known);
        }
    }

    private static Optional<String> nearest(String key, Set<String> known) {
        return known.stream()
                .map(k -> Map.entry(k, distance(key, k)))
                .filter(e -> e.getValue() <= Math.max(2, key.length() / 4))
                .min(Comparator.comparing(Map.Entry<String, Integer>::getValue).thenComparing(Map.Entry::getKey))
                .map(Map.Entry::getKey);
    }

    /** Levenshtein distance, for suggestions. */
    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
