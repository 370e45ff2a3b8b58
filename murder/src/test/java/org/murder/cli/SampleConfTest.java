package org.murder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * scripts/murder.conf, the sample /etc/murder/murder.conf: every setting commented out, and every
 * commented setting ({@code # key = value}, {@code # command.key = value}) a real long option of
 * that command (or, unqualified, of some command), so uncommenting one never meets an unknown key.
 */
class SampleConfTest {
    private static final Path SAMPLE = Path.of("..", "scripts", "murder.conf");
    private static final Pattern SETTING = Pattern.compile("^# ([a-z][a-z0-9-]*)(?:\\.([a-z][a-z0-9-]*))? = \\S.*$");

    @Test
    void everySettingIsCommentedOutAndARealOption() throws Exception {
        CommandLine murder = Murder.commandLine();
        List<String> settings = new ArrayList<>();
        for (String line : Files.readAllLines(SAMPLE)) {
            String t = line.strip();
            assertTrue(t.isEmpty() || t.startsWith("#"), "not commented out: " + line);
            Matcher m = SETTING.matcher(line);
            if (!m.matches()) {
                continue;
            }
            settings.add(line);
            if (m.group(2) == null) {
                String option = "--" + m.group(1);
                boolean somewhere = murder.getSubcommands().values().stream().anyMatch(c -> c.getCommandSpec().findOption(option) != null);
                assertTrue(somewhere, "no command has " + option + ": " + line);
            } else {
                CommandLine command = murder.getSubcommands().get(m.group(1));
                assertTrue(command != null, "no command " + m.group(1) + ": " + line);
                CommandLine.Model.OptionSpec option = command.getCommandSpec().findOption("--" + m.group(2));
                assertTrue(option != null, "murder " + m.group(1) + " has no --" + m.group(2) + ": " + line);
                // the file is looked up by the longest name (ConfigDefaults): 'tracker.p' would never apply
                assertEquals("--" + m.group(2), option.longestName(), line);
            }
        }
        for (String expected : List.of("# zk = ", "# zk-chroot = ", "# secret-file = ", "# agent.roles = ", "# agent.dest-root = ", "# port-range = ")) {
            assertTrue(settings.stream().anyMatch(s -> s.startsWith(expected)), "the sample shows " + expected.strip());
        }
    }
}
