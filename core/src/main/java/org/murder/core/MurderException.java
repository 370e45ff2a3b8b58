package org.murder.core;

/**
 * The one exception type that crosses module boundaries. It carries a one-line message meant
 * for an operator and the process exit code that message deserves: {@link #BAD_INPUT} (2) when
 * the operator gave us something wrong, {@link #FAILURE} (1) when the work itself failed.
 */
public class MurderException extends RuntimeException {
    public static final int FAILURE = 1;
    public static final int BAD_INPUT = 2;

    private final int exitCode;

    public MurderException(String message, int exitCode) {
        this(message, exitCode, null);
    }

    public MurderException(String message, int exitCode, Throwable cause) {
        super(message, cause);
        if (exitCode != FAILURE && exitCode != BAD_INPUT) {
            throw new IllegalArgumentException("exitCode: " + exitCode + " (expected: 1 or 2)");
        }
        this.exitCode = exitCode;
    }

    /** Something the operator gave us is wrong: exit code 2. */
    public static MurderException badInput(String message) {
        return new MurderException(message, BAD_INPUT);
    }

    /** Something the operator gave us is wrong: exit code 2. */
    public static MurderException badInput(String message, Throwable cause) {
        return new MurderException(message, BAD_INPUT, cause);
    }

    /** {@code cause} itself when it is one (its message and exit code kept), else a failure with its message. */
    public static MurderException from(Throwable cause) {
        return cause instanceof MurderException m ? m : failure(cause.getMessage(), cause);
    }

    /** The work failed: exit code 1. */
    public static MurderException failure(String message, Throwable cause) {
        return new MurderException(message, FAILURE, cause);
    }

    public int exitCode() {
        return exitCode;
    }
}
