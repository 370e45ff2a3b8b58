package org.murder.firewall;

import java.util.List;

/**
 * A firewall tool that holds our rules in a chain of our own, jumped to once from the input chain.
 * Rendering is pure; {@link #inspect}, {@link #apply} and {@link #remove} run the tool through a
 * {@link Shell}.
 */
public interface Backend {
    /** {@code iptables}, {@code ip6tables} or {@code nftables}. */
    String name();

    /** Where our rules live, for messages: {@code chain MURDER, jumped to from INPUT}. */
    String where();

    /** Rejects a rule set this backend cannot express (an IPv6 source for iptables). */
    void validate(RuleSet rules);

    /** The commands (iptables) or the ruleset (nft -f) that install the rules: what --print shows. */
    String render(RuleSet rules);

    /** What is installed now, compared with {@code rules}. */
    Status inspect(RuleSet rules, Shell shell);

    /** Makes our chain hold exactly {@code rules} and be jumped to; returns the changes (none when already so). */
    List<String> apply(RuleSet rules, Shell shell);

    /** Takes our chain and the jumps to it away, nothing else; returns the changes (none when absent). */
    List<String> remove(Shell shell);

    static Backend iptables() {
        return new Iptables("iptables", false);
    }

    static Backend ip6tables() {
        return new Iptables("ip6tables", true);
    }

    /** Our chain {@code murder} inside {@code table} (like {@code inet filter}), jumped to from {@code inputChain}. */
    static Backend nftables(NftTable table, String inputChain) {
        return new Nftables(table, inputChain);
    }
}
