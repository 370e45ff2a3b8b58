package org.murder.firewall;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.murder.core.MurderException;

/**
 * nftables: our rules in a regular chain {@code murder} inside the table that holds the host's input
 * policy (default {@code inet filter}, the Debian one), jumped to from its input chain. Our own table
 * would not do: an {@code accept} ends only its own base chain, and a drop in any other base chain
 * on the input hook (the host's policy) still drops the packet. Changes go through {@code nft -f -},
 * so each apply or remove is one atomic transaction.
 */
final class Nftables implements Backend {
    static final String CHAIN = "murder";
    static final String JUMP = "jump " + CHAIN + " comment \"murder\"";
    private static final Pattern HANDLE = Pattern.compile("^(.*?)\\s*# handle (\\d+)$");

    private final NftTable table;
    private final String input;

    Nftables(NftTable table, String inputChain) {
        if (!NftTable.NAME.matcher(inputChain).matches() || inputChain.equals(CHAIN)) {
            throw new IllegalArgumentException("nft chain '" + inputChain + "' (expected: the name of the input base chain, like input)");
        }
        this.table = table;
        this.input = inputChain;
    }

    @Override
    public String name() {
        return "nftables";
    }

    @Override
    public String where() {
        return "chain " + CHAIN + " of table " + table + ", jumped to from its chain " + input;
    }

    @Override
    public void validate(RuleSet rules) {
        for (Source s : rules.allSources()) {
            if ((table.family().equals("ip") && s.ipv6()) || (table.family().equals("ip6") && !s.ipv6())) {
                throw new IllegalArgumentException("source " + s + " cannot match in table " + table
                        + " (expected: an IPv" + (s.ipv6() ? 4 : 6) + " source, or an inet table)");
            }
        }
    }

    /** The rule as nft prints it: {@code [ip saddr NET ]tcp dport P[-Q] accept comment "murder NAME"}. */
    static String ruleText(Rule rule) {
        var p = rule.service().ports();
        String ports = p.first() == p.last() ? String.valueOf(p.first()) : p.first() + "-" + p.last();
        String source = rule.source().map(s -> (s.ipv6() ? "ip6" : "ip") + " saddr " + s.nftText() + " ").orElse("");
        return source + "tcp dport " + ports + " accept comment \"" + rule.comment() + "\"";
    }

    private String chainRef() {
        return table + " " + CHAIN;
    }

    private String inputRef() {
        return table + " " + input;
    }

    private List<String> ruleLines(RuleSet rules) {
        List<String> out = new ArrayList<>();
        out.add("add chain " + chainRef());
        out.add("flush chain " + chainRef());
        for (Rule r : rules.rules()) {
            out.add("add rule " + chainRef() + " " + ruleText(r));
        }
        return out;
    }

    private String insertJump() {
        return "insert rule " + inputRef() + " " + JUMP;
    }

    @Override
    public String render(RuleSet rules) {
        StringBuilder sb = new StringBuilder();
        sb.append("# murder firewall for nftables: accept TCP to ").append(rules.describe()).append('\n');
        sb.append("# in chain ").append(CHAIN).append(" of table ").append(table).append(", jumped to from its ").append(input)
                .append(" chain. Load with: nft -f FILE\n");
        sb.append("# (murder firewall --apply runs this as one transaction and inserts the jump only when it is missing)\n");
        for (String line : ruleLines(rules)) {
            sb.append(line).append('\n');
        }
        sb.append(insertJump()).append('\n');
        return sb.toString();
    }

    /**
     * The hook of the base chain {@code chain} in an {@code nft list chain} listing ({@code input},
     * {@code output}, ...), or null for a regular chain (no {@code type ... hook ...} line).
     */
    static String hookOf(String listing, String chain) {
        boolean inChain = false;
        for (String raw : listing.split("\n")) {
            String line = raw.strip();
            if (line.startsWith("chain " + chain + " {")) {
                inChain = true;
            } else if (inChain && line.startsWith("type ")) {
                Matcher m = HOOK.matcher(line);
                return m.find() ? m.group(1) : null;
            } else if (inChain && (line.isEmpty() || line.startsWith("comment "))) {
                continue; // nft prints a chain's comment on its own line, before its type
            } else if (inChain) {
                return null; // the header comes first: a rule or the end means none
            }
        }
        return null;
    }

    private static final Pattern HOOK = Pattern.compile("\\bhook (\\S+?);?(?:\\s|$)");

    /**
     * Why the chain named by --nft-chain cannot hold our jump (inbound packets never pass it: a
     * regular chain nothing jumps to, or another hook's), or null when it is the input hook's base chain.
     */
    private String notTheInputHook(Shell shell) {
        Shell.Result r = shell.run(List.of("nft", "-a", "list", "chain", table.family(), table.name(), input));
        if (r.exit() != 0) {
            return null; // a chain that is not there is said elsewhere
        }
        String hook = hookOf(r.out(), input);
        if ("input".equals(hook)) {
            return null;
        }
        return "nftables: chain " + input + " of table " + table + (hook == null ? " is a regular chain, not a base chain"
                : " hooks " + hook + ", not input") + " (expected: the base chain on the input hook that holds the host's input"
                + " policy, like input; a jump from any other chain opens nothing to inbound packets)";
    }

    /** A chain's rules as nft prints them (handles stripped), or null when the chain (or its table) does not exist. */
    private List<Listed> list(Shell shell, String chain) {
        Shell.Result r = shell.run(List.of("nft", "-a", "list", "chain", table.family(), table.name(), chain));
        if (r.exit() != 0) {
            if (r.err().contains("No such file or directory")) {
                return null;
            }
            throw MurderException.failure("nft list chain " + table + " " + chain + ": " + r.firstLine(), null);
        }
        return parse(r.out(), chain);
    }

    /** One rule line of {@code nft -a list chain}: its text and its handle. */
    record Listed(String text, long handle) {
    }

    static List<Listed> parse(String listing, String chain) {
        List<Listed> out = new ArrayList<>();
        boolean inChain = false;
        for (String raw : listing.split("\n")) {
            String line = raw.strip();
            if (line.startsWith("chain " + chain + " {")) {
                inChain = true;
                continue;
            }
            if (!inChain || line.isEmpty() || line.startsWith("type ") || line.startsWith("policy ") || line.startsWith("comment ")) {
                continue;
            }
            if (line.equals("}")) {
                break;
            }
            Matcher m = HANDLE.matcher(line);
            out.add(m.matches() ? new Listed(m.group(1), Long.parseLong(m.group(2))) : new Listed(line, -1));
        }
        return out;
    }

    @Override
    public Status inspect(RuleSet rules, Shell shell) {
        List<Status.Entry> entries = new ArrayList<>();
        List<Listed> inputRules = list(shell, input);
        if (inputRules == null) {
            entries.add(new Status.Entry(Status.Kind.MISSING, "chain " + input + " of table " + table
                    + " (the host's input policy; name it with --nft-table and --nft-chain)"));
        } else {
            String wrong = notTheInputHook(shell);
            if (wrong != null) {
                entries.add(new Status.Entry(Status.Kind.MISSING, wrong.substring("nftables: ".length())));
                inputRules = null; // a jump there counts for nothing
            }
        }
        List<Listed> ours = list(shell, CHAIN);
        List<String> left = new ArrayList<>(ours == null ? List.of() : ours.stream().map(Listed::text).toList());
        for (Rule r : rules.rules()) {
            String text = ruleText(r);
            boolean ok = left.remove(text);
            entries.add(new Status.Entry(ok ? Status.Kind.OK : Status.Kind.MISSING, "add rule " + chainRef() + " " + text));
        }
        for (String extra : left) {
            entries.add(new Status.Entry(Status.Kind.EXTRA, "rule in " + chainRef() + ": " + extra));
        }
        boolean jump = inputRules != null && inputRules.stream().anyMatch(l -> l.text().equals(JUMP));
        entries.add(new Status.Entry(jump ? Status.Kind.OK : Status.Kind.MISSING, insertJump()));
        if (jump) {
            for (Listed l : inputRules) {
                if (l.text().equals(JUMP)) {
                    break; // below our jump, nothing drops what it accepted
                }
                if (Shadowing.nft(l.text(), rules)) {
                    entries.add(new Status.Entry(Status.Kind.BLOCKED, "rule in " + inputRef() + ": " + l.text()));
                }
            }
        }
        return new Status(entries);
    }

    @Override
    public List<String> apply(RuleSet rules, Shell shell) {
        if (list(shell, input) == null) {
            throw MurderException.failure("nftables: table " + table + " has no chain " + input
                    + " (expected: the base chain holding the input policy; name it with --nft-table and --nft-chain, "
                    + "or use --backend iptables)", null);
        }
        String wrong = notTheInputHook(shell);
        if (wrong != null) {
            throw MurderException.badInput(wrong);
        }
        Status status = inspect(rules, shell);
        if (status.oursExact()) {
            return List.of();
        }
        List<String> script = ruleLines(rules);
        if (status.entries().stream().anyMatch(e -> e.kind() == Status.Kind.MISSING && e.text().equals(insertJump()))) {
            script.add(insertJump());
        }
        load(shell, script);
        return script;
    }

    @Override
    public List<String> remove(Shell shell) {
        List<String> script = new ArrayList<>();
        List<Listed> inputRules = list(shell, input);
        if (inputRules != null) {
            for (Listed l : inputRules) {
                if (l.text().equals(JUMP) && l.handle() >= 0) {
                    script.add("delete rule " + inputRef() + " handle " + l.handle());
                }
            }
        }
        if (list(shell, CHAIN) != null) {
            script.add("flush chain " + chainRef());
            script.add("delete chain " + chainRef());
        }
        if (!script.isEmpty()) {
            load(shell, script);
        }
        return script;
    }

    private void load(Shell shell, List<String> script) {
        Shell.Result r = shell.run(List.of("nft", "-f", "-"), String.join("\n", script) + "\n");
        if (r.exit() != 0) {
            boolean busy = r.err().contains("Device or resource busy") && script.contains("delete chain " + chainRef());
            throw MurderException.failure("nft -f: " + r.firstLine() + (busy ? " (another chain of table " + table + " still jumps to "
                    + CHAIN + ": remove with its --nft-chain too, or see 'nft -a list table " + table + "'; nothing changed)"
                    : " (nothing changed: nft -f is one transaction)"), null);
        }
    }
}
