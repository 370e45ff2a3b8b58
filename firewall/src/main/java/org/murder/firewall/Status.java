package org.murder.firewall;

import java.util.List;

/**
 * What is installed compared with what the rule set asks for: one entry per wanted rule (and the
 * jump to our chain), plus one per rule of ours that is not wanted.
 */
public record Status(List<Entry> entries) {
    public enum Kind { OK, MISSING, EXTRA }

    /** One rule: its state and the text that names it (the command that adds it, or what is installed). */
    public record Entry(Kind kind, String text) {
    }

    public Status {
        entries = List.copyOf(entries);
    }

    /** True when every wanted rule is there and nothing else of ours is. */
    public boolean exact() {
        return entries.stream().allMatch(e -> e.kind() == Kind.OK);
    }

    public long count(Kind kind) {
        return entries.stream().filter(e -> e.kind() == kind).count();
    }
}
