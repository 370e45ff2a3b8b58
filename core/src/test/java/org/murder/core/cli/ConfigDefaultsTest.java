package org.murder.core.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.murder.core.MurderException;
import org.murder.core.PortRange;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

class ConfigDefaultsTest {
    @TempDir
    Path tmp;

    @Command(name = "agent")
    static final class Sample implements Callable<Integer> {
        @Mixin
        LoggingOptions logging;

        @Option(names = "--port-range", defaultValue = "6881-6889")
        PortRange ports;

        @Option(names = "--roles", defaultValue = "none")
        String roles;

        @Option(names = "--zk", defaultValue = "127.0.0.1:2181")
        String zk;

        @Override
        public Integer call() {
            return 0;
        }
    }

    private Sample parse(Map<String, String> env, String conf, String... args) throws Exception {
        Path file = tmp.resolve("murder.conf");
        Files.writeString(file, conf);
        Sample sample = new Sample();
        CommandLine cl = new CommandLine(sample);
        Converters.registerAll(cl);
        cl.setDefaultValueProvider(new ConfigDefaults(env::get, file));
        cl.parseArgs(args);
        return sample;
    }

    @Test
    void flagsBeatEnvironmentBeatsFileBeatsBuiltIn() throws Exception {
        String conf = "# comment\nport-range = 7000-7009\nagent.roles = web\nzk = zk-file:2181\n";
        Sample fromFile = parse(Map.of(), conf);
        assertEquals(new PortRange(7000, 7009), fromFile.ports);
        assertEquals("web", fromFile.roles, "command-qualified key");
        assertEquals("zk-file:2181", fromFile.zk);

        Sample fromEnv = parse(Map.of("MURDER_PORT_RANGE", "7100-7109", "MURDER_ZK", "zk-env:2181"), conf);
        assertEquals(new PortRange(7100, 7109), fromEnv.ports);
        assertEquals("zk-env:2181", fromEnv.zk);

        Sample fromFlag = parse(Map.of("MURDER_PORT_RANGE", "7100-7109"), conf, "--port-range", "7200-7209");
        assertEquals(new PortRange(7200, 7209), fromFlag.ports);

        Sample builtIn = parse(Map.of(), "");
        assertEquals(new PortRange(6881, 6889), builtIn.ports);
    }

    @Test
    void helpIsNeverTakenFromTheEnvironment() throws Exception {
        Sample s = parse(Map.of("MURDER_HELP", "true"), "");
        assertEquals(false, s.logging.help);
    }

    @Test
    void aByteOrderMarkBeforeTheFirstKeyIsNotPartOfIt() throws Exception {
        assertEquals("zk-bom:2181", parse(Map.of(), "\uFEFFzk = zk-bom:2181\n").zk);
    }

    @Test
    void aMalformedConfigLineIsNamed() {
        MurderException e = assertThrows(MurderException.class, () -> parse(Map.of(), "zk 127.0.0.1\n"));
        assertEquals(tmp.resolve("murder.conf") + ":1: 'zk 127.0.0.1' (expected: key = value)", e.getMessage());
    }

    @Test
    void aKeySetTwiceIsRefused() {
        MurderException e = assertThrows(MurderException.class, () -> parse(Map.of(), "zk = a:1\n\nzk = b:2\n"));
        assertEquals(tmp.resolve("murder.conf") + ":3: 'zk' is set again (first on line 1; expected: each key once)", e.getMessage());
    }

    @Test
    void unknownKeysAreTheOnesNoOptionOfTheTreeTakes() throws Exception {
        Path file = tmp.resolve("murder.conf");
        Files.writeString(file, "zk = a:1\nagent.roles = web\nagent.zk = b:2\nroles = x\ntracker.zk = c:3\nhelp = true\n");
        ConfigDefaults defaults = new ConfigDefaults(Map.<String, String>of()::get, file);
        CommandLine cl = new CommandLine(new Sample());
        assertEquals(java.util.List.of("tracker.zk", "help"),
                defaults.unknownKeys(cl.getCommandSpec()).stream().map(ConfigDefaults.Entry::key).toList());
        assertEquals(1, ConfigDefaults.distance("zk-tiemout", "zk-timeout") - 1);
    }
}
