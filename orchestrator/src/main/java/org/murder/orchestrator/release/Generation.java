package org.murder.orchestrator.release;

import org.murder.core.MurderException;

/**
 * Where a job stands in the order jobs were published: ZooKeeper's creation id (czxid) of its node,
 * which the ensemble assigns in one total order. A destination remembers the generation of the
 * job that last switched its {@code current}, and no older job from the same ensemble switches it
 * again. A job from another ensemble (ZooKeeper rebuilt from nothing, whose czxids start low
 * again) is not compared: it may switch, and its generation is remembered from then on.
 *
 * @param number   the job node's czxid (positive)
 * @param job      the job id, for messages
 * @param ensemble the id of the ensemble the number comes from ({@code /ensemble-id}); empty: unknown
 */
public record Generation(long number, String job, String ensemble) {
    public Generation {
        ensemble = ensemble == null ? "" : ensemble;
        if (!ensemble.matches("[A-Za-z0-9-]{0,64}")) {
            throw new IllegalArgumentException("generation ensemble: '" + ensemble + "' (expected: an id of letters, digits and '-')");
        }
        if (number <= 0) {
            throw new IllegalArgumentException("generation: " + number + " (expected: a job node's czxid, above 0)");
        }
        if (job == null || !job.matches("[A-Za-z0-9._-]{1,200}")) {
            throw new IllegalArgumentException("generation job: '" + job + "' (expected: a job id)");
        }
    }

    public Generation(long number, String job) {
        this(number, job, "");
    }

    /** Whether this job was published after {@code other} (both from one known ensemble). */
    boolean isBefore(Generation other) {
        return !ensemble.isEmpty() && ensemble.equals(other.ensemble) && number < other.number;
    }

    String format() {
        return number + " " + job + (ensemble.isEmpty() ? "" : " " + ensemble);
    }

    /** Parses {@link #format()}; null when the text is not one. */
    static Generation parseOrNull(String text) {
        String[] words = text.strip().split(" +");
        if (words.length < 2 || words.length > 3 || !words[0].matches("[0-9]{1,19}")) {
            return null;
        }
        try {
            return new Generation(Long.parseLong(words[0]), words[1], words.length == 3 ? words[2] : "");
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** A job older than the one that switched {@code current} last: switching now would go backwards. */
    public static final class SupersededException extends MurderException {
        public SupersededException(String message) {
            super(message, MurderException.FAILURE);
        }
    }
}
