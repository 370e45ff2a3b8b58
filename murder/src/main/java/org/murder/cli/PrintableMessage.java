package org.murder.cli;

import ch.qos.logback.classic.pattern.MessageConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import org.murder.core.Printable;

/**
 * A log line's message ({@code %safeMsg}) with its control and bidi characters escaped
 * ({@link Printable}): a name from a torrent, a peer, an archive or a path cannot forge a log line,
 * recolour the terminal or reverse the text after it, whichever call site logged it.
 */
public final class PrintableMessage extends MessageConverter {
    /** The conversion word in {@link LogConfigurator}'s patterns. */
    static final String WORD = "safeMsg";

    @Override
    public String convert(ILoggingEvent event) {
        String brief = BriefTraces.inLine(event);
        return Printable.escape(super.convert(event) + brief);
    }
}
