package org.murder.firewall;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.murder.core.MurderException;

/**
 * iptables (or ip6tables): our rules in chain {@code MURDER}, jumped to once from the top of
 * {@code INPUT}. Each rule carries a unique comment ({@code murder tracker}), which is how the
 * installed rules are told apart; {@code -C} decides whether a wanted rule is there.
 */
final class Iptables implements Backend {
    static final String CHAIN = "MURDER";
    static final String PARENT = "INPUT";
    static final String JUMP_COMMENT = "murder";
    private static final Pattern COMMENT = Pattern.compile("--comment (?:\"((?:[^\"\\\\]|\\\\.)*)\"|(\\S+))");
    private static final int MAX_JUMPS = 64;

    private final String tool;
    private final boolean ipv6;

    Iptables(String tool, boolean ipv6) {
        this.tool = tool;
        this.ipv6 = ipv6;
    }

    @Override
    public String name() {
        return tool;
    }

    @Override
    public String where() {
        return "chain " + CHAIN + ", jumped to from " + PARENT;
    }

    @Override
    public void validate(RuleSet rules) {
        for (Source s : rules.allSources()) {
            if (s.ipv6() != ipv6) {
                throw new IllegalArgumentException("source " + s + " is IPv" + (s.ipv6() ? 6 : 4) + " (expected: IPv"
                        + (ipv6 ? 6 : 4) + " for " + tool + "; use --backend " + (s.ipv6() ? "ip6tables" : "iptables")
                        + " or --backend nftables)");
            }
        }
    }

    /** {@code -p tcp [-s NET] --dport P[:Q] -m comment --comment "murder NAME" -j ACCEPT}. */
    static List<String> ruleSpec(Rule rule) {
        List<String> spec = new ArrayList<>();
        rule.source().ifPresent(s -> {
            spec.add("-s");
            spec.add(s.cidr());
        });
        spec.addAll(List.of("-p", "tcp", "--dport", ports(rule)));
        spec.addAll(List.of("-m", "comment", "--comment", rule.comment(), "-j", "ACCEPT"));
        return spec;
    }

    private static String ports(Rule rule) {
        var p = rule.service().ports();
        return p.first() == p.last() ? String.valueOf(p.first()) : p.first() + ":" + p.last();
    }

    static List<String> jumpSpec() {
        return List.of("-m", "comment", "--comment", JUMP_COMMENT, "-j", CHAIN);
    }

    private List<String> cmd(String op, String chain, List<String> spec) {
        List<String> argv = new ArrayList<>(List.of(tool, "-w", op, chain));
        argv.addAll(spec);
        return argv;
    }

    private List<String> insertJump() {
        List<String> argv = new ArrayList<>(List.of(tool, "-w", "-I", PARENT, "1"));
        argv.addAll(jumpSpec());
        return argv;
    }

    @Override
    public String render(RuleSet rules) {
        StringBuilder sb = new StringBuilder();
        sb.append("# murder firewall for ").append(tool).append(": accept TCP to ").append(rules.describe()).append('\n');
        sb.append("# in chain ").append(CHAIN).append(", jumped to once from the top of ").append(PARENT)
                .append(". Safe to run again.\n");
        sb.append(ShellQuote.join(List.of(tool, "-w", "-N", CHAIN))).append(" 2>/dev/null || ")
                .append(ShellQuote.join(List.of(tool, "-w", "-F", CHAIN))).append('\n');
        for (Rule r : rules.rules()) {
            sb.append(ShellQuote.join(cmd("-A", CHAIN, ruleSpec(r)))).append('\n');
        }
        sb.append(ShellQuote.join(cmd("-C", PARENT, jumpSpec()))).append(" 2>/dev/null || ")
                .append(ShellQuote.join(insertJump())).append('\n');
        return sb.toString();
    }

    /** The installed chain: its {@code -A} lines, or null when there is no chain. */
    private List<String> installed(Shell shell) {
        Shell.Result r = shell.run(List.of(tool, "-w", "-S", CHAIN));
        if (r.exit() != 0) {
            String e = r.err().toLowerCase(java.util.Locale.ROOT);
            if (r.exit() == 1 && !e.contains("permission denied") && !e.contains("must be root")) {
                return null;
            }
            throw MurderException.failure(tool + " -S " + CHAIN + ": " + r.firstLine(), null);
        }
        return r.out().lines().filter(l -> l.startsWith("-A " + CHAIN + " ")).toList();
    }

    private boolean present(Shell shell, String chain, List<String> spec) {
        Shell.Result r = shell.run(cmd("-C", chain, spec));
        if (r.exit() > 1) {
            throw MurderException.failure(ShellQuote.join(cmd("-C", chain, spec)) + ": " + r.firstLine(), null);
        }
        return r.exit() == 0;
    }

    @Override
    public Status inspect(RuleSet rules, Shell shell) {
        List<String> lines = installed(shell);
        List<Status.Entry> entries = new ArrayList<>();
        Map<String, Integer> wanted = new HashMap<>();
        for (Rule r : rules.rules()) {
            boolean ok = lines != null && present(shell, CHAIN, ruleSpec(r));
            if (ok) {
                wanted.merge(r.comment(), 1, Integer::sum);
            }
            entries.add(new Status.Entry(ok ? Status.Kind.OK : Status.Kind.MISSING, ShellQuote.join(cmd("-A", CHAIN, ruleSpec(r)))));
        }
        if (lines != null) {
            for (String line : lines) {
                String comment = comment(line);
                Integer left = comment == null ? null : wanted.get(comment);
                if (left != null && left > 0) {
                    wanted.put(comment, left - 1);
                } else {
                    entries.add(new Status.Entry(Status.Kind.EXTRA, tool + " " + line));
                }
            }
        }
        boolean jump = lines != null && present(shell, PARENT, jumpSpec());
        entries.add(new Status.Entry(jump ? Status.Kind.OK : Status.Kind.MISSING, ShellQuote.join(insertJump())));
        if (jump) {
            Shell.Result listing = shell.run(List.of(tool, "-w", "-S", PARENT));
            if (listing.exit() != 0) {
                throw MurderException.failure(tool + " -S " + PARENT + ": " + listing.firstLine(), null);
            }
            for (String line : listing.out().lines().filter(l -> l.startsWith("-A " + PARENT + " ")).toList()) {
                if (line.contains(" -j " + CHAIN) && JUMP_COMMENT.equals(comment(line))) {
                    break; // below our jump, nothing drops what it accepted
                }
                if (Shadowing.iptables(line, rules)) {
                    entries.add(new Status.Entry(Status.Kind.BLOCKED, tool + " " + line));
                }
            }
        }
        return new Status(entries);
    }

    static String comment(String line) {
        Matcher m = COMMENT.matcher(line);
        if (!m.find()) {
            return null;
        }
        return m.group(1) != null ? m.group(1).replace("\\\"", "\"") : m.group(2);
    }

    /**
     * One transaction ({@code iptables-restore --noflush}): the chain declared (made, or emptied when it
     * is there), every rule added, the jump inserted when missing, all at COMMIT or nothing. Rule by rule,
     * a failure part way left the chain flushed and half filled: neither the old rules nor the new in
     * force, murder's ports closed, and the error named only the last command.
     */
    @Override
    public List<String> apply(RuleSet rules, Shell shell) {
        List<String> lines = installed(shell);
        if (lines != null && inspect(rules, shell).oursExact()) {
            return List.of();
        }
        boolean jump = lines != null && present(shell, PARENT, jumpSpec());
        List<String> done = new ArrayList<>();
        StringBuilder tx = new StringBuilder("*filter\n:").append(CHAIN).append(" - [0:0]\n");
        done.add(ShellQuote.join(List.of(tool, "-w", lines == null ? "-N" : "-F", CHAIN)));
        for (Rule r : rules.rules()) {
            tx.append(restoreLine("-A", CHAIN, ruleSpec(r)));
            done.add(ShellQuote.join(cmd("-A", CHAIN, ruleSpec(r))));
        }
        if (!jump) {
            List<String> insert = new ArrayList<>(List.of("1"));
            insert.addAll(jumpSpec());
            tx.append(restoreLine("-I", PARENT, insert));
            done.add(ShellQuote.join(insertJump()));
        }
        restore(shell, tx.append("COMMIT\n").toString(), "");
        return done;
    }

    /**
     * One transaction too: every jump to the chain deleted, the chain emptied and deleted, or nothing
     * changed. Command by command, a rule of the operator's that also jumps to the chain failed the last
     * step after the others had run: its jump led to an empty chain, murder's ports closed.
     */
    @Override
    public List<String> remove(Shell shell) {
        if (installed(shell) == null) {
            return List.of();
        }
        Shell.Result listing = shell.run(List.of(tool, "-w", "-S", PARENT));
        if (listing.exit() != 0) {
            throw MurderException.failure(tool + " -S " + PARENT + ": " + listing.firstLine(), null);
        }
        String ours = "-A " + PARENT + " " + String.join(" ", jumpSpec());
        long jumps = listing.out().lines().filter(ours::equals).limit(MAX_JUMPS).count();
        List<String> done = new ArrayList<>();
        StringBuilder tx = new StringBuilder("*filter\n");
        for (long i = 0; i < jumps; i++) {
            tx.append(restoreLine("-D", PARENT, jumpSpec()));
            done.add(ShellQuote.join(cmd("-D", PARENT, jumpSpec())));
        }
        tx.append(':').append(CHAIN).append(" - [0:0]\n").append("-X ").append(CHAIN).append('\n').append("COMMIT\n");
        done.add(ShellQuote.join(List.of(tool, "-w", "-F", CHAIN)));
        done.add(ShellQuote.join(List.of(tool, "-w", "-X", CHAIN)));
        restore(shell, tx.toString(), " (another rule still jumps to " + CHAIN + "? remove it first)");
        return done;
    }

    /** {@code OP CHAIN SPEC} as iptables-restore reads it: an argument with spaces in double quotes (none holds a quote). */
    private static String restoreLine(String op, String chain, List<String> spec) {
        StringBuilder line = new StringBuilder(op).append(' ').append(chain);
        for (String arg : spec) {
            line.append(' ').append(arg.matches("[^\\s\"]+") ? arg : "\"" + arg + "\"");
        }
        return line.append('\n').toString();
    }

    /** Runs {@code transaction} through {@code TOOL-restore --noflush}: applied whole at its COMMIT, or not at all. */
    private void restore(Shell shell, String transaction, String hint) {
        List<String> argv = List.of(tool + "-restore", "--noflush", "-w");
        Shell.Result r = shell.run(argv, transaction);
        if (r.exit() != 0) {
            throw MurderException.failure(String.join(" ", argv) + ": " + r.firstLine() + failedLine(r, transaction) + hint
                    + "; nothing changed: the rules in force are as they were", null);
        }
    }

    private static final Pattern FAILED_AT = Pattern.compile("Error occurred at line: (\\d{1,6})");

    /**
     * The line of {@code transaction} the tool names in its {@code Error occurred at line: N} (its first line of
     * error rarely says which rule it was), as {@code " (line N: ...)"}; empty when it names none.
     */
    static String failedLine(Shell.Result r, String transaction) {
        Matcher m = FAILED_AT.matcher(r.err() + "\n" + r.out());
        if (!m.find()) {
            return "";
        }
        int n = Integer.parseInt(m.group(1));
        String[] lines = transaction.split("\n");
        return n >= 1 && n <= lines.length ? " (line " + n + ": " + org.murder.core.Printable.escape(lines[n - 1]) + ")" : "";
    }
}
