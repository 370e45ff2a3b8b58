package org.murder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.core.ConsoleAppender;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/**
 * The logging every murder command starts with. The test class path has a logback-test.xml, which
 * makes the configurator hand over to logback, as an operator's -Dlogback.configurationFile does;
 * so these tests give it a context of their own with that resource out of sight.
 */
class LogConfiguratorTest {
    /** Runs the configurator as if no logback-test.xml were on the class path. */
    private static Configurator.ExecutionStatus configureWithoutTestXml(LoggerContext context) throws Exception {
        ClassLoader hiding = new ClassLoader(LogConfigurator.class.getClassLoader()) {
            @Override
            public java.net.URL getResource(String name) {
                return name.equals("logback-test.xml") ? null : super.getResource(name);
            }
        };
        LogConfigurator c = new LogConfigurator();
        c.setContext(context);
        return c.configure(context, hiding);
    }

    @Test
    void stderrWithTimeLevelWhereAndMessageWarnForLibrariesInfoForMurder() throws Exception {
        LoggerContext context = new LoggerContext();
        assertEquals(Configurator.ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY, configureWithoutTestXml(context));
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        assertEquals(Level.WARN, root.getLevel());
        assertEquals(Level.INFO, context.getLogger("org.murder").getLevel());
        ConsoleAppender<?> stderr = (ConsoleAppender<?>) root.getAppender("STDERR");
        assertNotNull(stderr);
        assertEquals("System.err", stderr.getTarget());
        // under surefire stderr is a pipe, not a terminal or the journal: lines carry their date
        assertEquals(System.getenv("JOURNAL_STREAM") == null ? LogConfigurator.DATED_PATTERN : LogConfigurator.PATTERN,
                ((PatternLayoutEncoder) stderr.getEncoder()).getPattern());
        assertTrue(stderr.isStarted());
    }

    @Test
    void murderLogLevelPropertySetsMurdersLevel() throws Exception {
        System.setProperty("murder.log.level", "debug");
        try {
            LoggerContext context = new LoggerContext();
            configureWithoutTestXml(context);
            assertEquals(Level.DEBUG, context.getLogger("org.murder").getLevel());
        } finally {
            System.clearProperty("murder.log.level");
        }
    }

    @Test
    void aLogbackConfigurationFileOrATestXmlHandsOverToLogback() {
        LogConfigurator c = new LogConfigurator();
        LoggerContext context = new LoggerContext();
        c.setContext(context);
        // the test class path holds logback-test.xml
        assertEquals(Configurator.ExecutionStatus.INVOKE_NEXT_IF_ANY, c.configure(context));
    }

    @Test
    void logbackFindsItAsAService() {
        assertTrue(ServiceLoader.load(Configurator.class).stream().anyMatch(p -> p.type() == LogConfigurator.class));
    }

    @Test
    void jsonLogsAreOneObjectALineWithTheMessageFilledIn() throws Exception {
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter()); // as the context of a real run has
        configureWithoutTestXml(context);
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        java.io.PrintStream original = System.err;
        System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            LogConfigurator.useJson(context);
            context.getLogger("org.murder.Test").info("host {} \"quoted\"\nsecond line", "web-1");
            context.getLogger("org.murder.Test").debug("not at INFO");
            // a bidi override, a line separator, C1 and a tag character: JSON escapes, so the raw line cannot reorder a terminal
            context.getLogger("org.murder.Test").warn("tracker says: {}", "evil\u202etxt.exe\u2028x\u0085\udb40\udc41");
        } finally {
            System.setErr(original);
        }
        String[] lines = captured.toString(java.nio.charset.StandardCharsets.UTF_8).split("\n");
        assertEquals(2, lines.length, captured.toString());
        assertTrue(lines[1].chars().allMatch(c -> c < 0x7f && c >= 0x20), lines[1]);
        assertTrue(lines[1].contains("evil\\u202etxt.exe\\u2028x\\u0085\\udb40\\udc41"), lines[1]);
        assertEquals("tracker says: evil\u202etxt.exe\u2028x\u0085\udb40\udc41",
                new com.fasterxml.jackson.databind.ObjectMapper().readTree(lines[1]).get("formattedMessage").asText(), "the same text");
        com.fasterxml.jackson.databind.JsonNode event = new com.fasterxml.jackson.databind.ObjectMapper().readTree(lines[0]);
        assertEquals("INFO", event.path("level").asText(), lines[0]);
        assertEquals("org.murder.Test", event.get("loggerName").asText());
        assertEquals("host web-1 \"quoted\"\nsecond line", event.get("formattedMessage").asText());
        assertTrue(event.get("timestamp").asLong() > 0);
    }

    /** What the text logging of a configured context prints on stderr while {@code logging} runs. */
    private static String stderrOf(java.util.function.Consumer<LoggerContext> logging) throws Exception {
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
        configureWithoutTestXml(context);
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        java.io.PrintStream original = System.err;
        System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            // the appender holds the System.err of its start: start it again on the captured one
            ConsoleAppender<?> stderr = (ConsoleAppender<?>) context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("STDERR");
            stderr.stop();
            stderr.start();
            logging.accept(context);
        } finally {
            System.setErr(original);
        }
        return captured.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void aMessageCannotForgeALineOrDriveTheTerminal() throws Exception {
        String out = stderrOf(context -> {
            context.getLogger("org.murder.Test").warn("torrent {}", "a\n12:00:00.000 INFO  Agent: forged\u001b[2J\u202eevil");
            context.getLogger("org.murder.Test").warn("failed", new java.io.IOException("x\n12:00:00.000 INFO  Agent: forged too",
                    new IllegalStateException("cause\u001b[31m")));
        });
        List<String> lines = out.lines().toList();
        assertTrue(lines.get(0).endsWith("torrent a\\x0a12:00:00.000 INFO  Agent: forged\\x1b[2J\\u202eevil"), out);
        assertTrue(lines.get(1).endsWith("WARN  Test: failed"), out);
        assertEquals("java.io.IOException: x\\x0a12:00:00.000 INFO  Agent: forged too", lines.get(2));
        assertTrue(lines.stream().anyMatch(l -> l.equals("Caused by: java.lang.IllegalStateException: cause\\x1b[31m")), out);
        assertTrue(lines.subList(3, lines.size()).stream().allMatch(l -> l.startsWith("\t") || l.startsWith("Caused by: ")), out);
    }

    @Test
    void aLibrarysNetworkErrorIsOneLineUnlessVerbose() throws Exception {
        String out = stderrOf(context -> {
            try {
                context.getLogger("org.apache.zookeeper.server.quorum.QuorumPeer").warn("configFilename is null! This should only happen in tests.");
                context.getLogger("org.apache.zookeeper.server.ServerCnxnFactory").warn("maxCnxns is not configured, using default value {}.", 0);
                Logger zookeeper = context.getLogger("org.apache.zookeeper.server.quorum.QuorumCnxManager");
                zookeeper.warn("Cannot open channel to 2 at election address /127.0.0.1:3888", new java.net.ConnectException("Connection refused"));
                zookeeper.warn("a bug of theirs", new IllegalStateException("not a network error"));
                context.getLogger("org.murder.Test").warn("ours", new java.io.IOException("ours keep their trace"));
                BriefTraces.verbose(true);
                zookeeper.warn("verbose", new java.net.ConnectException("Connection refused\u001b[2J"));
            } finally {
                BriefTraces.verbose(false);
            }
        });
        List<String> lines = out.lines().toList();
        // the first two warnings are not true of a murder ZooKeeper: dropped
        assertTrue(lines.get(0).endsWith("WARN  QuorumCnxManager: Cannot open channel to 2 at election address /127.0.0.1:3888"
                + " (java.net.ConnectException: Connection refused)"), lines.toString());
        assertTrue(lines.get(1).endsWith("WARN  QuorumCnxManager: a bug of theirs"), lines.toString());
        assertEquals("java.lang.IllegalStateException: not a network error", lines.get(2));
        assertTrue(lines.get(3).startsWith("\tat "), lines.toString());
        int ours = lines.indexOf(lines.stream().filter(l -> l.endsWith("WARN  Test: ours")).findFirst().orElseThrow());
        assertEquals("java.io.IOException: ours keep their trace", lines.get(ours + 1));
        int verbose = lines.indexOf(lines.stream().filter(l -> l.endsWith("WARN  QuorumCnxManager: verbose")).findFirst().orElseThrow());
        assertEquals("java.net.ConnectException: Connection refused\\x1b[2J", lines.get(verbose + 1));
    }

    @Test
    void curatorGivingUpOnAGoneZooKeeperIsOneLine() throws Exception {
        String out = stderrOf(context -> context.getLogger("org.apache.curator.framework.imps.CuratorFrameworkImpl").error(
                "Background operation retry gave up", org.apache.zookeeper.KeeperException.create(
                        org.apache.zookeeper.KeeperException.Code.CONNECTIONLOSS)));
        assertEquals(1, out.lines().count(), out);
        assertTrue(out.strip().endsWith("ERROR CuratorFrameworkImpl: Background operation retry gave up"
                + " (org.apache.zookeeper.KeeperException$ConnectionLossException: KeeperErrorCode = ConnectionLoss)"), out);
    }
}
