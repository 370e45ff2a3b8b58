package org.murder.cli;

import ch.qos.logback.classic.pattern.ThrowableProxyConverter;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import org.murder.core.Printable;

/**
 * A log line's stack trace ({@code %safeEx}) with each exception's message escaped as
 * {@link PrintableMessage} escapes the line's: an exception can carry a peer's or a file's text
 * (a path, a tracker's failure reason), and printed raw it could forge lines or drive the terminal.
 */
public final class PrintableThrowable extends ThrowableProxyConverter {
    /** The conversion word in {@link LogConfigurator}'s patterns. */
    static final String WORD = "safeEx";

    @Override
    public String convert(ch.qos.logback.classic.spi.ILoggingEvent event) {
        return BriefTraces.applies(event) ? "" : super.convert(event); // then the message carries it in one line
    }

    @Override
    protected String throwableProxyToString(IThrowableProxy tp) {
        return super.throwableProxyToString(new Escaped(tp));
    }

    /** {@code inner} with its message, and its causes' and suppressed ones', escaped. */
    private record Escaped(IThrowableProxy inner) implements IThrowableProxy {
        @Override
        public String getMessage() {
            return Printable.escape(inner.getMessage());
        }

        @Override
        public String getClassName() {
            return inner.getClassName();
        }

        @Override
        public StackTraceElementProxy[] getStackTraceElementProxyArray() {
            return inner.getStackTraceElementProxyArray();
        }

        @Override
        public int getCommonFrames() {
            return inner.getCommonFrames();
        }

        @Override
        public IThrowableProxy getCause() {
            return inner.getCause() == null ? null : new Escaped(inner.getCause());
        }

        @Override
        public IThrowableProxy[] getSuppressed() {
            IThrowableProxy[] suppressed = inner.getSuppressed();
            if (suppressed == null) {
                return null;
            }
            IThrowableProxy[] escaped = new IThrowableProxy[suppressed.length];
            for (int i = 0; i < suppressed.length; i++) {
                escaped[i] = new Escaped(suppressed[i]);
            }
            return escaped;
        }

        @Override
        public boolean isCyclic() {
            return inner.isCyclic();
        }
    }
}
