package org.murder.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.pattern.DynamicConverter;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * The logging of every murder command, set up in code (found by logback through
 * {@code META-INF/services}): parsing a logback.xml cost each start about 50 ms, and a swarm
 * starts one JVM per host. Operators read these at 3 a.m.: time, level, where, message (its
 * control characters escaped, {@link PrintableMessage}, and so are a stack trace's messages), on stderr; stdout carries only a
 * command's results, so scripts can parse it. Levels: WARN for
 * libraries, {@code -Dmurder.log.level} (default INFO) for murder; {@code --verbose} raises it to
 * DEBUG. {@code -Dlogback.configurationFile=FILE} (or a logback-test.xml on the class path)
 * hands over to logback's own configuration.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class LogConfigurator extends ContextAwareBase implements Configurator {
    static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level %logger{0}: %safeMsg%n%safeEx";
    /**
     * The pattern when stderr goes to a file (an init.d log, a redirect), where a line without its
     * date cannot be placed; the journal (systemd sets {@code JOURNAL_STREAM}) and a terminal have
     * the date already.
     */
    static final String DATED_PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level %logger{0}: %safeMsg%n%safeEx";
    /** Loggers of the ZooKeeper client (not its server) quieted to errors unless --verbose. */
    static final java.util.List<String> CLIENT_LOGGERS = java.util.List.of("org.apache.zookeeper.ClientCnxn",
            "org.apache.zookeeper.ClientCnxnSocketNIO", "org.apache.zookeeper.ClientCnxnSocketNetty", "org.apache.zookeeper.ZooKeeper",
            "org.apache.zookeeper.common.X509Util", "org.apache.curator.ConnectionState");

    /**
     * Switches the stderr logs of {@code context} to one JSON object a line (logback's
     * {@link JsonEncoder}: timestamp, level, thread, logger, the message with its arguments filled
     * in, and the stack trace). Does nothing when logback's own configuration is in use.
     */
    static void useJson(LoggerContext context) {
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        if (!(root.getAppender("STDERR") instanceof ConsoleAppender<ILoggingEvent> stderr)) {
            return;
        }
        JsonEncoder json = new PrintableJsonEncoder();
        json.setContext(context);
        json.setWithFormattedMessage(true);
        json.setWithMessage(false);
        json.setWithArguments(false);
        json.setWithSequenceNumber(false);
        json.setWithNanoseconds(false);
        json.setWithContext(false);
        json.setWithMDC(false);
        json.setWithKVPList(false);
        json.setWithMarkers(false);
        json.start();
        stderr.stop();
        stderr.setEncoder(json);
        stderr.start();
    }

    /** Makes {@code %safeMsg} and {@code %safeEx} ({@link PrintableMessage}, {@link PrintableThrowable}) known to the patterns. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void registerPrintableMessage(LoggerContext context) {
        Object registry = context.getObject(CoreConstants.PATTERN_RULE_REGISTRY_FOR_SUPPLIERS);
        java.util.Map<String, java.util.function.Supplier<DynamicConverter>> rules;
        if (registry instanceof java.util.Map<?, ?> existing) {
            rules = (java.util.Map) existing;
        } else {
            rules = new java.util.HashMap<>();
            context.putObject(CoreConstants.PATTERN_RULE_REGISTRY_FOR_SUPPLIERS, rules);
        }
        rules.put(PrintableMessage.WORD, PrintableMessage::new);
        rules.put(PrintableThrowable.WORD, PrintableThrowable::new);
    }

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        return configure(context, LogConfigurator.class.getClassLoader());
    }

    /** {@link #configure(LoggerContext)}, looking for logback-test.xml through {@code resources}. */
    ExecutionStatus configure(LoggerContext context, ClassLoader resources) {
        if (System.getProperty("logback.configurationFile") != null || resources.getResource("logback-test.xml") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        registerPrintableMessage(context);
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(System.console() == null && System.getenv("JOURNAL_STREAM") == null ? DATED_PATTERN : PATTERN);
        encoder.start();
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setName("STDERR");
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.WARN);
        root.addAppender(stderr);
        context.getLogger("org.murder").setLevel(Level.toLevel(System.getProperty("murder.log.level"), Level.INFO));
        // the ZooKeeper client logs every failed connection attempt with a stack trace (ten a
        // command, before murder's one line saying ZooKeeper is not reachable): --verbose shows them
        for (String client : CLIENT_LOGGERS) {
            context.getLogger(client).setLevel(Level.ERROR);
        }
        KnownNoise noise = new KnownNoise();
        noise.setContext(context);
        noise.start();
        context.addTurboFilter(noise);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
