package org.murder.firewall;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An nftables table: family and name, parsed from {@code "inet filter"}.
 *
 * @param family {@code inet}, {@code ip} or {@code ip6}
 * @param name   the table's name
 */
public record NftTable(String family, String name) {
    static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_.-]{0,63}");
    private static final Pattern FORM = Pattern.compile("(inet|ip|ip6)\\s+(\\S+)");
    /** Debian's /etc/nftables.conf table. */
    public static final NftTable DEFAULT = new NftTable("inet", "filter");

    public NftTable {
        if (!family.matches("inet|ip|ip6")) {
            throw new IllegalArgumentException("nft family '" + family + "' (expected: inet, ip or ip6)");
        }
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("nft table name '" + name + "' (expected: letters, digits, '_', '.', '-')");
        }
    }

    public static NftTable parse(String text) {
        Matcher m = FORM.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("nft table '" + text + "' (expected: FAMILY NAME like 'inet filter')");
        }
        return new NftTable(m.group(1), m.group(2));
    }

    @Override
    public String toString() {
        return family + " " + name;
    }
}
