package org.murder.orchestrator.rollout;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits the targeted hosts into activation waves: {@code --waves 1,10%,50%,100%} gives each wave
 * up to a cumulative count or share of the hosts (the first host, then up to a tenth, then up to
 * half, then all); {@code --batch N} gives waves of N. Waves left empty by rounding are dropped;
 * hosts a spec leaves out (one not ending at 100%) join the last wave.
 */
public final class WavePlan {
    private WavePlan() {
    }

    public static List<List<String>> waves(String spec, List<String> hosts) {
        List<Integer> cumulative = new ArrayList<>();
        double lastShare = 0;
        int lastCount = 0;
        for (String part : spec.split(",")) {
            String p = part.strip();
            int upTo;
            boolean smaller;
            try {
                if (p.endsWith("%")) {
                    double share = Double.parseDouble(p.substring(0, p.length() - 1));
                    if (!(share > 0 && share <= 100)) {
                        throw new NumberFormatException();
                    }
                    upTo = (int) Math.ceil(hosts.size() * share / 100.0);
                    smaller = share < lastShare; // whatever the number of hosts: 10%,5% is wrong even where both round to 1
                    lastShare = share;
                } else {
                    upTo = Integer.parseInt(p);
                    if (upTo < 1) {
                        throw new NumberFormatException();
                    }
                    smaller = upTo < lastCount;
                    lastCount = upTo;
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--waves '" + org.murder.core.Printable.escape(spec) + "': '" + org.murder.core.Printable.escape(p) + "' (expected: a host count like 1 or a share like"
                        + " 10%, cumulative, e.g. 1,10%,50%,100%)");
            }
            if (smaller || !cumulative.isEmpty() && upTo < cumulative.get(cumulative.size() - 1)) {
                throw new IllegalArgumentException("--waves '" + org.murder.core.Printable.escape(spec) + "': '" + org.murder.core.Printable.escape(p) + "' is smaller than the wave before (expected:"
                        + " cumulative sizes, e.g. 1,10%,50%,100%)");
            }
            cumulative.add(Math.min(upTo, hosts.size()));
        }
        List<List<String>> waves = new ArrayList<>();
        int from = 0;
        for (int upTo : cumulative) {
            if (upTo > from) {
                waves.add(List.copyOf(hosts.subList(from, upTo)));
                from = upTo;
            }
        }
        if (from < hosts.size()) {
            if (waves.isEmpty()) {
                waves.add(List.copyOf(hosts.subList(from, hosts.size())));
            } else {
                List<String> last = new ArrayList<>(waves.remove(waves.size() - 1));
                last.addAll(hosts.subList(from, hosts.size()));
                waves.add(List.copyOf(last));
            }
        }
        return List.copyOf(waves);
    }

    public static List<List<String>> batches(int size, List<String> hosts) {
        if (size < 1) {
            throw new IllegalArgumentException("--batch " + size + " (expected: at least 1 host a wave)");
        }
        List<List<String>> waves = new ArrayList<>();
        for (int i = 0; i < hosts.size(); i += size) {
            waves.add(List.copyOf(hosts.subList(i, Math.min(hosts.size(), i + size))));
        }
        return List.copyOf(waves);
    }

    /**
     * How many hosts of a wave of {@code waveSize} may fail before the rollout stops:
     * {@code N}, or {@code P%} of the wave (rounded down).
     */
    public static int failureBudget(String spec, int waveSize) {
        String s = spec.strip();
        try {
            if (s.endsWith("%")) {
                double share = Double.parseDouble(s.substring(0, s.length() - 1));
                if (!(share >= 0 && share <= 100)) {
                    throw new NumberFormatException();
                }
                return (int) Math.floor(waveSize * share / 100.0);
            }
            int n = Integer.parseInt(s);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--max-failures '" + spec + "' (expected: a host count like 0 or 2, or a share of each"
                    + " wave like 10%)");
        }
    }
}
