package org.murder.core.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.murder.core.MurderException;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Option defaults from the environment and the config file, so flags beat environment beats file
 * beats built-in default. {@code --port-range} is {@code MURDER_PORT_RANGE} in the environment and
 * {@code port-range = ...} in {@code /etc/murder/murder.conf} (another file with {@code MURDER_CONF}).
 * A key may be qualified by command: {@code agent.roles = web}.
 */
public final class ConfigDefaults implements IDefaultValueProvider {
    public static final Path DEFAULT_FILE = Path.of("/etc/murder/murder.conf");

    private final Function<String, String> env;
    private final Map<String, String> file;

    public ConfigDefaults(Function<String, String> env, Path configFile) {
        this.env = env;
        this.file = read(configFile);
    }

    public static ConfigDefaults fromSystem() {
        String path = System.getenv("MURDER_CONF");
        return new ConfigDefaults(System::getenv, path == null ? DEFAULT_FILE : Path.of(path));
    }

    static Map<String, String> read(Path path) {
        Map<String, String> out = new HashMap<>();
        if (!Files.isRegularFile(path)) {
            return out;
        }
        try {
            int n = 0;
            for (String line : Files.readAllLines(path, StandardCharsets.UTF_8)) {
                n++;
                String t = line.strip();
                if (t.isEmpty() || t.startsWith("#")) {
                    continue;
                }
                int eq = t.indexOf('=');
                if (eq <= 0) {
                    throw MurderException.badInput(path + ":" + n + ": '" + t + "' (expected: key = value)");
                }
                out.put(t.substring(0, eq).strip(), t.substring(eq + 1).strip());
            }
        } catch (IOException e) {
            throw MurderException.badInput(path + ": cannot read (" + e.getMessage() + ")");
        }
        return out;
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        if (!(arg instanceof OptionSpec option) || option.longestName().length() <= 2 || !option.longestName().startsWith("--")
                || option.usageHelp() || option.versionHelp()) {
            return null; // MURDER_HELP or MURDER_VERSION in the environment must not turn every command into help
        }
        String key = option.longestName().substring(2);
        String fromEnv = env.apply("MURDER_" + key.toUpperCase(Locale.ROOT).replace('-', '_'));
        if (fromEnv != null && !fromEnv.isEmpty()) {
            return fromEnv;
        }
        String command = option.command() == null ? null : option.command().name();
        if (command != null && file.containsKey(command + "." + key)) {
            return file.get(command + "." + key);
        }
        return file.get(key);
    }
}
