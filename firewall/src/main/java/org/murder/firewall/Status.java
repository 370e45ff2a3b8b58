package org.murder.firewall;

import java.util.List;

/**
 * What is installed compared with what the rule set asks for: one entry per wanted rule (and the
 * jump to our chain), plus one per rule of ours that is not wanted, plus one per rule of the
 * operator's above the jump that drops our traffic first ({@link Kind#BLOCKED}, see Shadowing).
 */
public record Status(List<Entry> entries) {
    public enum Kind { OK, MISSING, EXTRA, BLOCKED }

    /** One rule: its state and the text that names it (the command that adds it, or what is installed). */
    public record Entry(Kind kind, String text) {
    }

    public Status {
        entries = List.copyOf(entries);
    }

    /** True when every wanted rule is there, nothing else of ours is, and nothing above the jump drops our traffic. */
    public boolean exact() {
        return entries.stream().allMatch(e -> e.kind() == Kind.OK);
    }

    /** True when every wanted rule is there and nothing else of ours is (what --apply can make so). */
    public boolean oursExact() {
        return entries.stream().allMatch(e -> e.kind() == Kind.OK || e.kind() == Kind.BLOCKED);
    }

    /** The rules above the jump that drop our traffic first. */
    public List<Entry> blocked() {
        return entries.stream().filter(e -> e.kind() == Kind.BLOCKED).toList();
    }

    public long count(Kind kind) {
        return entries.stream().filter(e -> e.kind() == kind).count();
    }
}
