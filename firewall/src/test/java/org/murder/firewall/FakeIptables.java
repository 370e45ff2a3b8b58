package org.murder.firewall;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** An in-memory iptables (filter table only) answering -S, -C, -N, -A, -I, -D, -F, -X like the real one. */
final class FakeIptables implements Shell {
    final Map<String, List<List<String>>> chains = new LinkedHashMap<>();
    final List<String> changes = new ArrayList<>();

    FakeIptables() {
        chains.put("INPUT", new ArrayList<>());
    }

    /** The -S listing of every chain, like {@code iptables -S}. */
    String dump() {
        StringBuilder sb = new StringBuilder();
        chains.forEach((c, rules) -> {
            for (List<String> r : rules) {
                sb.append("-A ").append(c).append(' ').append(ShellQuote.join(r)).append('\n');
            }
        });
        return sb.toString();
    }

    @Override
    public Result run(List<String> argv, String stdin) {
        if (argv.get(0).endsWith("-restore")) {
            return restore(argv, stdin);
        }
        String op = argv.get(2);
        String chain = argv.get(3);
        List<String> spec = argv.subList(4, argv.size());
        List<List<String>> rules = chains.get(chain);
        if (!op.equals("-S") && !op.equals("-C")) {
            changes.add(ShellQuote.join(argv));
        }
        switch (op) {
            case "-S" -> {
                if (rules == null) {
                    return new Result(1, "", "iptables v1.8.9 (nf_tables): chain `" + chain + "' in table `filter' is incompatible, use 'nft' tool.\n");
                }
                StringBuilder sb = new StringBuilder("-N " + chain + "\n");
                for (List<String> r : rules) {
                    List<String> shown = new ArrayList<>(r);
                    int p = shown.indexOf("tcp");
                    if (p > 0) {
                        shown.addAll(p + 1, List.of("-m", "tcp"));
                    }
                    sb.append("-A ").append(chain).append(' ').append(ShellQuote.join(shown)).append('\n');
                }
                return new Result(0, sb.toString(), "");
            }
            case "-C" -> {
                if (rules == null || (spec.contains("-j") && !chains.containsKey(spec.get(spec.indexOf("-j") + 1))
                        && !spec.contains("ACCEPT"))) {
                    return new Result(2, "", "iptables: Chain '" + chain + "' does not exist\n");
                }
                return rules.contains(List.copyOf(spec)) ? new Result(0, "", "")
                        : new Result(1, "", "iptables: Bad rule (does a matching rule exist in that chain?).\n");
            }
            case "-N" -> {
                if (rules != null) {
                    return new Result(1, "", "iptables: Chain already exists.\n");
                }
                chains.put(chain, new ArrayList<>());
            }
            case "-A" -> rules.add(List.copyOf(spec));
            case "-I" -> rules.add(Integer.parseInt(spec.get(0)) - 1, List.copyOf(spec.subList(1, spec.size())));
            case "-D" -> {
                if (!rules.remove(List.copyOf(spec))) {
                    return new Result(1, "", "iptables: Bad rule (does a matching rule exist in that chain?).\n");
                }
            }
            case "-F" -> rules.clear();
            case "-X" -> {
                boolean used = chains.values().stream().flatMap(List::stream).anyMatch(r -> r.contains(chain) && r.contains("-j"));
                if (used || !rules.isEmpty()) {
                    return new Result(4, "", "iptables v1.8.9 (nf_tables):  CHAIN_DEL failed (Device or resource busy): chain " + chain + "\n");
                }
                chains.remove(chain);
            }
            default -> throw new AssertionError("unexpected " + argv);
        }
        return new Result(0, "", "");
    }

    /**
     * {@code iptables-restore --noflush}: the transaction's lines run on a copy, which replaces the chains
     * only when every line succeeded (a declared chain is made, or emptied when it is there), as the real
     * one commits at COMMIT or not at all.
     */
    private Result restore(List<String> argv, String stdin) {
        if (!argv.contains("--noflush")) {
            throw new AssertionError("a restore without --noflush would replace the whole table: " + argv);
        }
        Map<String, List<List<String>>> saved = new LinkedHashMap<>();
        chains.forEach((c, rules) -> saved.put(c, new ArrayList<>(rules)));
        List<String> changesBefore = new ArrayList<>(changes);
        int n = 0;
        for (String line : stdin.split("\n")) {
            n++;
            if (line.isEmpty() || line.equals("*filter") || line.equals("COMMIT")) {
                continue;
            }
            if (line.startsWith(":")) {
                String chain = line.substring(1, line.indexOf(' '));
                chains.computeIfAbsent(chain, c -> new ArrayList<>()).clear();
                continue;
            }
            List<String> words = tokens(line);
            List<String> command = new ArrayList<>(List.of("iptables", "-w"));
            command.addAll(words);
            Result r = run(command, "");
            if (r.exit() != 0) {
                chains.clear();
                chains.putAll(saved);
                changes.clear();
                changes.addAll(changesBefore);
                return new Result(1, "", "iptables-restore v1.8.9 (nf_tables): line " + n + " failed\n");
            }
        }
        return new Result(0, "", "");
    }

    /** A restore line's words: separated by spaces, a double-quoted one taken whole. */
    private static List<String> tokens(String line) {
        List<String> words = new ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"([^\"]*)\"|(\\S+)").matcher(line);
        while (m.find()) {
            words.add(m.group(1) != null ? m.group(1) : m.group(2));
        }
        return words;
    }
}
