package org.murder.firewall;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** An in-memory nft with tables, chains and rule handles; {@code nft -f -} is atomic like the real one. */
final class FakeNft implements Shell {
    record Rule(String text, long handle) {
    }

    /** "inet filter" -> chain -> rules; a base chain has a header line. */
    Map<String, Map<String, List<Rule>>> tables = new LinkedHashMap<>();
    final Map<String, String> headers = new LinkedHashMap<>();
    final List<String> scripts = new ArrayList<>();
    private long handles = 1;
    private static final Pattern LINE = Pattern.compile("(add|flush|delete|insert) (chain|rule) (\\S+ \\S+) (\\S+)(?: (.*))?");

    /** A host policy like Debian's: table inet filter, chain input, policy drop. */
    FakeNft withHostPolicy() {
        Map<String, List<Rule>> t = new LinkedHashMap<>();
        t.put("input", new ArrayList<>(List.of(new Rule("ct state established,related accept", handles++),
                new Rule("iif \"lo\" accept", handles++))));
        tables.put("inet filter", t);
        headers.put("input", "type filter hook input priority filter; policy drop;");
        return this;
    }

    @Override
    public Result run(List<String> argv, String stdin) {
        if (argv.equals(List.of("nft", "-f", "-"))) {
            scripts.add(stdin);
            Map<String, Map<String, List<Rule>>> copy = deepCopy(tables);
            for (String line : stdin.split("\n")) {
                String error = apply(line);
                if (error != null) {
                    tables = copy;
                    return new Result(1, "", "Error: " + error + "\n" + line + "\n");
                }
            }
            return new Result(0, "", "");
        }
        if (argv.size() == 7 && argv.subList(0, 4).equals(List.of("nft", "-a", "list", "chain"))) {
            String table = argv.get(4) + " " + argv.get(5);
            List<Rule> rules = tables.getOrDefault(table, Map.of()).get(argv.get(6));
            if (rules == null) {
                return new Result(1, "", "Error: No such file or directory\nlist chain " + table + " " + argv.get(6) + "\n");
            }
            StringBuilder sb = new StringBuilder("table " + table + " { # handle 1\n\tchain " + argv.get(6) + " { # handle 2\n");
            if (headers.containsKey(argv.get(6))) {
                sb.append("\t\t").append(headers.get(argv.get(6))).append('\n');
            }
            for (Rule r : rules) {
                sb.append("\t\t").append(r.text()).append(" # handle ").append(r.handle()).append('\n');
            }
            return new Result(0, sb.append("\t}\n}\n").toString(), "");
        }
        throw new AssertionError("unexpected " + argv);
    }

    private String apply(String line) {
        Matcher m = LINE.matcher(line);
        if (!m.matches()) {
            return "syntax error";
        }
        Map<String, List<Rule>> t = tables.get(m.group(3));
        if (t == null) {
            return "No such file or directory";
        }
        String chain = m.group(4);
        List<Rule> rules = t.get(chain);
        switch (m.group(1) + " " + m.group(2)) {
            case "add chain" -> t.putIfAbsent(chain, new ArrayList<>());
            case "flush chain" -> {
                if (rules == null) {
                    return "No such file or directory";
                }
                rules.clear();
            }
            case "delete chain" -> {
                boolean used = t.values().stream().flatMap(List::stream).anyMatch(r -> r.text().startsWith("jump " + chain + " "));
                if (rules == null || !rules.isEmpty() || used) {
                    return "Device or resource busy";
                }
                t.remove(chain);
            }
            case "add rule", "insert rule" -> {
                if (rules == null) {
                    return "No such file or directory";
                }
                Rule r = new Rule(m.group(5), handles++);
                if (m.group(1).equals("add")) {
                    rules.add(r);
                } else {
                    rules.add(0, r);
                }
            }
            case "delete rule" -> {
                long h = Long.parseLong(m.group(5).replace("handle ", ""));
                if (rules == null || !rules.removeIf(r -> r.handle() == h)) {
                    return "Could not process rule: No such file or directory";
                }
            }
            default -> {
                return "syntax error";
            }
        }
        return null;
    }

    private static Map<String, Map<String, List<Rule>>> deepCopy(Map<String, Map<String, List<Rule>>> in) {
        Map<String, Map<String, List<Rule>>> out = new LinkedHashMap<>();
        in.forEach((t, chains) -> {
            Map<String, List<Rule>> c = new LinkedHashMap<>();
            chains.forEach((name, rules) -> c.put(name, new ArrayList<>(rules)));
            out.put(t, c);
        });
        return out;
    }
}
