package org.murder.tracker.http;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.murder.core.RackName;
import org.murder.tracker.swarm.PeerEntry;
import org.murder.tracker.swarm.SwarmSnapshot;
import org.murder.tracker.whitelist.Whitelist;

/** {@code GET /stats}: one HTML page an operator can read, every torrent with its counts and peers. */
final class StatsPage {
    /** At most 10,000 peer rows (about 1.5 MB): 500 x 200 rows took a second and 12 MB to make. */
    static final int MAX_SWARMS_SHOWN = 100;
    static final int MAX_PEERS_SHOWN = 100;

    private StatsPage() {
    }

    static String render(List<SwarmSnapshot> swarms, Whitelist whitelist, long nowMillis) {
        long seeders = swarms.stream().mapToLong(SwarmSnapshot::seeders).sum();
        long peers = swarms.stream().mapToLong(s -> s.peers().size()).sum();
        StringBuilder sb = new StringBuilder(8192);
        sb.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>murder tracker</title>\n")
                .append("<style>body{font-family:sans-serif;margin:1em}table{border-collapse:collapse;margin-bottom:1.5em}")
                .append("td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}code{font-size:95%}</style>")
                .append("</head><body>\n<h1>murder tracker</h1>\n");
        sb.append("<p>").append(swarms.size()).append(" torrents, ").append(seeders).append(" seeders, ")
                .append(peers - seeders).append(" leechers; ")
                .append(whitelist.isOpen() ? "open mode (any infohash)" : "whitelist: " + whitelist.size() + " infohashes")
                .append("</p>\n");
        sb.append("<table><tr><th>infohash</th><th>seeders</th><th>leechers</th><th>completed</th>"
                + "<th>last announce</th></tr>\n");
        List<SwarmSnapshot> sorted = swarms.stream()
                .sorted(Comparator.comparingLong(SwarmSnapshot::lastActivityMillis).reversed()).toList();
        int shown = 0;
        for (SwarmSnapshot s : sorted) {
            if (shown++ == MAX_SWARMS_SHOWN) {
                break;
            }
            sb.append("<tr><td><a href=\"#").append(s.infoHash()).append("\"><code>").append(s.infoHash())
                    .append("</code></a></td><td>").append(s.seeders()).append("</td><td>").append(s.leechers())
                    .append("</td><td>").append(s.downloaded()).append("</td><td>").append(ago(nowMillis, s.lastActivityMillis()))
                    .append("</td></tr>\n");
        }
        sb.append("</table>\n");
        if (sorted.size() > MAX_SWARMS_SHOWN) {
            sb.append("<p>").append(sorted.size() - MAX_SWARMS_SHOWN).append(" more torrents not shown.</p>\n");
        }
        shown = 0;
        for (SwarmSnapshot s : sorted) {
            if (shown++ == MAX_SWARMS_SHOWN) {
                break;
            }
            sb.append("<h2 id=\"").append(s.infoHash()).append("\"><code>").append(s.infoHash()).append("</code></h2>\n");
            racks(s, sb);
            sb.append("<table><tr><th>address</th><th>peer id</th><th>rack</th><th>state</th><th>left</th><th>uploaded</th>"
                    + "<th>downloaded</th><th>last seen</th></tr>\n");
            List<PeerEntry> ps = s.peers().stream()
                    .sorted(Comparator.comparing(PeerEntry::isSeeder).reversed().thenComparing(PeerEntry::endpoint)).toList();
            int n = 0;
            for (PeerEntry p : ps) {
                if (n++ == MAX_PEERS_SHOWN) {
                    break;
                }
                sb.append("<tr><td>").append(escape(p.endpoint())).append("</td><td><code>").append(escape(p.peerId().toString()))
                        .append("</code></td><td>").append(p.rack().map(RackName::value).orElse(""))
                        .append("</td><td>").append(p.isSeeder() ? "seeder" : "leecher").append("</td><td>")
                        .append(p.left()).append("</td><td>").append(p.uploaded()).append("</td><td>").append(p.downloaded())
                        .append("</td><td>").append(ago(nowMillis, p.lastSeenMillis())).append("</td></tr>\n");
            }
            sb.append("</table>\n");
            if (ps.size() > MAX_PEERS_SHOWN) {
                sb.append("<p>").append(ps.size() - MAX_PEERS_SHOWN).append(" more peers not shown.</p>\n");
            }
        }
        return sb.append("</body></html>\n").toString();
    }

    /** One line of peers per rack (seeders among them), when any peer gave a rack: a rack name is [A-Za-z0-9._:-], safe in HTML. */
    private static void racks(SwarmSnapshot s, StringBuilder sb) {
        Map<String, long[]> byRack = new TreeMap<>();
        for (PeerEntry p : s.peers()) {
            long[] counts = byRack.computeIfAbsent(p.rack().map(RackName::value).orElse("(none)"), r -> new long[2]);
            counts[0]++;
            counts[1] += p.isSeeder() ? 1 : 0;
        }
        if (byRack.size() == 1 && byRack.containsKey("(none)")) {
            return;
        }
        sb.append("<p>racks:");
        byRack.forEach((rack, c) -> sb.append(' ').append(rack).append(' ').append(c[0]).append(" (").append(c[1]).append(" seeders);"));
        sb.setLength(sb.length() - 1);
        sb.append("</p>\n");
    }

    private static String ago(long now, long then) {
        long s = Math.max(0, (now - then) / 1000);
        return s < 120 ? s + " s ago" : String.format(Locale.ROOT, "%d min ago", s / 60);
    }

    static String escape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }
}
