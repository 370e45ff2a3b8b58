package org.murder.firewall;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.murder.core.PortRange;

/**
 * Whether an operator's rule above the jump to our chain drops murder's traffic before our rules
 * see it: a DROP or REJECT that matches every TCP packet to one of our ports, whatever its source
 * (no source, interface, state or other match; any protocol, or TCP; no port, or ports that overlap
 * ours). Rules that match less (a ban of one address, fail2ban's jumps to chains of their own) may
 * be on purpose and are left alone: this finds the rule that makes {@code --check} say "ok" while
 * nothing gets through, as a host firewall's {@code -I INPUT 1 ... -j DROP} added after ours does.
 */
final class Shadowing {
    /** iptables -S tokens a blanket rule may have besides its ports and target. */
    private static final Set<String> MODULES = Set.of("tcp", "comment", "multiport");
    private static final Pattern NFT_COUNTER = Pattern.compile("\\s*counter packets \\d+ bytes \\d+");
    private static final Pattern NFT_COMMENT = Pattern.compile("\\s*comment \"(?:[^\"\\\\]|\\\\.)*\"");
    private static final Pattern NFT_BLANKET = Pattern.compile(
            "(?:(?:meta l4proto|ip protocol|ip6 nexthdr) (?:tcp|6) )?(?:tcp dport (\\d+(?:-\\d+)?|\\{ [0-9, -]+ \\}) )?(?:drop|reject(?: with .*)?)");
    private static final Pattern RANGE = Pattern.compile("(\\d+)(?:[-:](\\d+))?");

    private Shadowing() {
    }

    /** Whether {@code line}, a {@code -A CHAIN ...} line of {@code iptables -S}, drops every packet to some of {@code rules}' ports. */
    static boolean iptables(String line, RuleSet rules) {
        List<String> t = tokens(line);
        if (t.size() < 2 || !t.get(0).equals("-A")) {
            return false;
        }
        List<PortRange> ports = null;
        String target = null;
        for (int i = 2; i < t.size(); i++) {
            String tok = t.get(i);
            String next = i + 1 < t.size() ? t.get(i + 1) : null;
            if (next == null) {
                return false;
            }
            switch (tok) {
                case "-p" -> {
                    if (!next.equals("tcp") && !next.equals("6") && !next.equals("all")) {
                        return false;
                    }
                }
                case "-m" -> {
                    if (!MODULES.contains(next)) {
                        return false;
                    }
                }
                case "--comment", "--reject-with" -> {
                    // says nothing of what matches
                }
                case "--dport", "--dports", "--destination-port", "--destination-ports" -> {
                    ports = ranges(next);
                    if (ports == null) {
                        return false;
                    }
                }
                case "-j" -> target = next;
                default -> {
                    return false; // a source, an interface, a negation, a state...: not every packet
                }
            }
            i++;
        }
        return ("DROP".equals(target) || "REJECT".equals(target)) && overlaps(ports, rules);
    }

    /** Whether {@code text}, a rule of {@code nft list chain} (handle stripped), drops every packet to some of {@code rules}' ports. */
    static boolean nft(String text, RuleSet rules) {
        String bare = NFT_COMMENT.matcher(NFT_COUNTER.matcher(text).replaceAll("")).replaceAll("").strip();
        Matcher m = NFT_BLANKET.matcher(bare);
        if (!m.matches()) {
            return false;
        }
        List<PortRange> ports = null;
        if (m.group(1) != null) {
            ports = ranges(m.group(1).replace("{", "").replace("}", "").replace(" ", ""));
            if (ports == null) {
                return false;
            }
        }
        return overlaps(ports, rules);
    }

    /** {@code 80}, {@code 6881:6889}, {@code 22,6881-6889}: the ranges, or null when it is something else. */
    private static List<PortRange> ranges(String spec) {
        List<PortRange> out = new ArrayList<>();
        for (String part : spec.split(",")) {
            Matcher m = RANGE.matcher(part);
            if (!m.matches()) {
                return null;
            }
            try {
                int first = Integer.parseInt(m.group(1));
                out.add(new PortRange(first, m.group(2) == null ? first : Integer.parseInt(m.group(2))));
            } catch (IllegalArgumentException notARange) {
                return null;
            }
        }
        return out;
    }

    /** No ports: every port. */
    private static boolean overlaps(List<PortRange> ports, RuleSet rules) {
        if (ports == null) {
            return true;
        }
        for (Rule r : rules.rules()) {
            PortRange ours = r.service().ports();
            for (PortRange p : ports) {
                if (p.first() <= ours.last() && ours.first() <= p.last()) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Splits an {@code iptables -S} line on spaces, a double-quoted comment as one token. */
    private static List<String> tokens(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        boolean any = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted && c == '\\' && i + 1 < line.length()) {
                cur.append(line.charAt(++i));
            } else if (c == '"') {
                quoted = !quoted;
                any = true;
            } else if (c == ' ' && !quoted) {
                if (any) {
                    out.add(cur.toString());
                    cur.setLength(0);
                    any = false;
                }
            } else {
                cur.append(c);
                any = true;
            }
        }
        if (any) {
            out.add(cur.toString());
        }
        return out;
    }
}
