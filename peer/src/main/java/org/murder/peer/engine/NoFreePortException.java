package org.murder.peer.engine;

import org.murder.core.MurderException;
import org.murder.core.PortRange;

/** Every port of an engine's range is in use; says which range, so a caller can name the option it came from. */
public final class NoFreePortException extends MurderException {
    private final PortRange range;

    NoFreePortException(PortRange range) {
        super("no free port in " + range + " (every port is in use; expected: a --port-range with a free port)", FAILURE);
        this.range = range;
    }

    public PortRange range() {
        return range;
    }
}
