package org.murder.orchestrator.release;

import java.util.regex.Pattern;

/**
 * A release tag, the one rule for every place that takes one: {@code murder deploy --tag}, the
 * tag of a job an agent accepts, and the release names of {@link ReleaseManager}.
 *
 * <p>A tag names files and directories on every host ({@code <dest>/<tag>.tar.zst},
 * {@code <dest>/releases/<tag>}), the deploy host's work directory and ZooKeeper nodes, so it is
 * 1 to 100 of {@code A-Z a-z 0-9 . _ -} and does not start with {@code .} (that excludes
 * {@code .} and {@code ..} and keeps hidden names such as {@code .history} and
 * {@code .<tag>.partial-*} for murder itself) nor with {@code -} (it would read as an option
 * where a tag is passed on to a command). Jobs carry the tag as a plain string: this type checks
 * it, it does not change the JSON.
 *
 * @param value the tag as written
 */
public record ReleaseTag(String value) {
    public static final int MAX_LENGTH = 100;
    /** What a valid tag looks like, for error messages. */
    public static final String EXPECTED = "1 to 100 of A-Z a-z 0-9 . _ -, not starting with '.' or '-'";
    private static final Pattern RULE = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0," + (MAX_LENGTH - 1) + "}");

    /** @throws IllegalArgumentException {@code tag '<value>' (expected: ...)} */
    public ReleaseTag {
        if (!isValid(value)) {
            throw new IllegalArgumentException(refusal("tag", value));
        }
    }

    /** The tag {@code text} names. @throws IllegalArgumentException {@code tag '<text>' (expected: ...)} */
    public static ReleaseTag parse(String text) {
        return new ReleaseTag(text);
    }

    /**
     * {@link #parse(String)} for a value given as {@code field} (an option such as {@code --to}).
     *
     * @throws IllegalArgumentException {@code <field> '<text>' (expected: ...)}
     */
    public static ReleaseTag parse(String text, String field) {
        if (!isValid(text)) {
            throw new IllegalArgumentException(refusal(field, text));
        }
        return new ReleaseTag(text);
    }

    private static String refusal(String field, String text) {
        return field + " '" + Trees.printable(text) + "' (expected: " + EXPECTED + ")";
    }

    public static boolean isValid(String text) {
        return text != null && RULE.matcher(text).matches();
    }

    @Override
    public String toString() {
        return value;
    }
}
