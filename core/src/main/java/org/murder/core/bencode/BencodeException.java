package org.murder.core.bencode;

import org.murder.core.MurderException;

/** A document that is not valid bencode, with the reason and the byte offset where it was found. */
public final class BencodeException extends MurderException {
    /** Why decoding stopped. */
    public enum Reason {
        EMPTY_INPUT("empty input"),
        UNEXPECTED_END("unexpected end of input"),
        UNEXPECTED_BYTE("unexpected byte"),
        EXPECTED_DIGIT("expected a digit"),
        LEADING_ZERO("leading zero"),
        NEGATIVE_ZERO("negative zero"),
        INTEGER_OVERFLOW("integer does not fit 64 bits"),
        STRING_TOO_LONG("string longer than the limit"),
        DEPTH_EXCEEDED("nesting deeper than the limit"),
        TOO_MANY_ITEMS("more values than the limit"),
        KEY_NOT_STRING("dictionary key is not a string"),
        DUPLICATE_KEY("duplicate dictionary key"),
        TRAILING_DATA("trailing data after the value");

        private final String text;

        Reason(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }
    }

    private final Reason reason;
    private final long offset;

    public BencodeException(Reason reason, long offset, String detail) {
        super("bencode: " + reason.text() + (detail.isEmpty() ? "" : " (" + detail + ")") + " at byte " + offset,
                BAD_INPUT);
        this.reason = reason;
        this.offset = offset;
    }

    public Reason reason() {
        return reason;
    }

    public long offset() {
        return offset;
    }
}
