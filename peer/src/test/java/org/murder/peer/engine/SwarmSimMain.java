package org.murder.peer.engine;

import java.time.Duration;
import java.util.Locale;
import org.murder.tracker.swarm.SwarmSettings;

/**
 * {@code bench/swarm-sim.sh HOSTS [options]}: runs {@link SwarmSim} and prints the finish times
 * against the bound F/c. Options (defaults in brackets): --file MiB [256], --piece KiB [256],
 * --up Mbit/s [400] (every host's uplink c, and the origin's), --down Mbit/s [4 x up],
 * --origin-up Mbit/s [up], --latency ms [0.5], --jitter s [0], --racks N [1], --rack-uplink Mbit/s
 * [unlimited], --rack-hints (hosts announce their rack; the origin none), --slow N [0] hosts at --slow-factor [0.5] of the rates, --failing N [0] hosts that
 * die mid-download, --max-peers N [100], --numwant N [20, the engine's], --seed N [1], --uplink-order requests|rarest
 * [rarest, the engine's {@link SendOrder}; requests: in the order asked, the engine before it had one],
 * --timeline (every half second: how busy the uplinks were and why the idle ones were idle; then upload and finish
 * by announce order).
 */
public final class SwarmSimMain {
    private SwarmSimMain() {
    }

    public static void main(String[] args) {
        if (args.length == 0 || args[0].startsWith("-")) {
            System.err.println("usage: swarm-sim.sh HOSTS [--file MiB] [--piece KiB] [--up Mbit/s] [--down Mbit/s] [--origin-up Mbit/s]"
                    + " [--latency ms] [--jitter s] [--racks N] [--rack-uplink Mbit/s] [--rack-hints] [--rack-gateways N] [--origin-outside] [--slow N] [--slow-factor F] [--failing N]"
                    + " [--max-peers N] [--numwant N] [--seed N] [--uplink-order requests|rarest] [--uplink-ahead KiB=0] [--timeline]");
            System.exit(2);
        }
        int hosts = positive("HOSTS", args[0]);
        double fileMib = 256;
        double pieceKib = 256;
        double up = 400;
        double down = -1;
        double originUp = -1;
        double latencyMs = 0.5;
        double jitterS = 0;
        int racks = 1;
        double rackUplink = 0;
        int slow = 0;
        double slowFactor = 0.5;
        int failing = 0;
        int maxPeers = 100;
        int numWant = Announcer.NUM_WANT;
        long seed = 1;
        boolean rackHints = false;
        boolean originOutside = false;
        int rackGateways = SwarmSettings.DEFAULT_GATEWAYS_PER_RACK;
        boolean timeline = false;
        double aheadKib = 0;
        SwarmSim.UplinkOrder uplinkOrder = SwarmSim.UplinkOrder.RAREST;
        for (int i = 1; i < args.length; i++) {
            String name = args[i];
            if (name.equals("--rack-hints")) {
                rackHints = true;
                continue;
            }
            if (name.equals("--origin-outside")) {
                originOutside = true;
                continue;
            }
            if (name.equals("--timeline")) {
                timeline = true;
                continue;
            }
            if (i + 1 >= args.length) {
                usage(name + " needs a value");
            }
            String v = args[++i];
            switch (name) {
                case "--file" -> fileMib = number(name, v);
                case "--piece" -> pieceKib = number(name, v);
                case "--up" -> up = number(name, v);
                case "--down" -> down = number(name, v);
                case "--origin-up" -> originUp = number(name, v);
                case "--latency" -> latencyMs = number(name, v);
                case "--jitter" -> jitterS = number(name, v);
                case "--racks" -> racks = positive(name, v);
                case "--rack-uplink" -> rackUplink = number(name, v);
                case "--slow" -> slow = (int) number(name, v);
                case "--slow-factor" -> slowFactor = number(name, v);
                case "--failing" -> failing = (int) number(name, v);
                case "--max-peers" -> maxPeers = positive(name, v);
                case "--rack-gateways" -> rackGateways = positive(name, v);
                case "--numwant" -> numWant = positive(name, v);
                case "--seed" -> seed = (long) number(name, v);
                case "--uplink-ahead" -> aheadKib = number(name, v);
                case "--uplink-order" -> uplinkOrder = switch (v) {
                    case "requests" -> SwarmSim.UplinkOrder.REQUESTS;
                    case "rarest" -> SwarmSim.UplinkOrder.RAREST;
                    default -> {
                        usage("--uplink-order " + v + " (expected: requests or rarest)");
                        yield null;
                    }
                };
                default -> usage("unknown option " + name);
            }
        }
        double c = up * 1e6 / 8;
        long file = (long) (fileMib * 1024 * 1024);
        int piece = (int) (pieceKib * 1024);
        if (piece % EngineConfig.BLOCK_SIZE != 0) {
            usage("--piece " + pieceKib + " (expected: a multiple of 16 KiB)");
        }
        SwarmSim.Params params = new SwarmSim.Params(hosts + 1, file, piece, c, down < 0 ? 4 * c : down * 1e6 / 8,
                originUp < 0 ? c : originUp * 1e6 / 8, Duration.ofNanos((long) (latencyMs * 1e6)),
                Duration.ofNanos((long) (jitterS * 1e9)), racks, rackUplink * 1e6 / 8, slow, slowFactor, failing, seed, maxPeers,
                numWant, Duration.ofHours(6), rackHints, originOutside, rackGateways);
        long started = System.nanoTime();
        SwarmSim sim = new SwarmSim(params).withUplinkOrder(uplinkOrder).withUplinkAhead((long) (aheadKib * 1024));
        if (timeline) {
            sim.withTimeline();
        }
        SwarmSim.Result r = sim.run();

        double wall = (System.nanoTime() - started) / 1e9;
        long[] done = SwarmSim.finished(r);
        double bound = file / c;
        int expected = hosts - failing;
        System.out.printf(Locale.ROOT, "# swarm-sim: %d hosts (+ origin), F=%.0f MiB in %d pieces of %.0f KiB, c=%.0f Mbit/s,"
                + " latency %.2f ms, jitter %.1f s, racks %d%s%s%s, slow %d, failing %d, seed %d%s%n", hosts, fileMib,
                (file + piece - 1) / piece, pieceKib, up, latencyMs, jitterS, racks,
                rackUplink > 0 ? " (uplink " + rackUplink + " Mbit/s)" : "", rackHints ? " with rack hints" : "", originOutside ? ", the origin in no rack, rack uplinks inbound only" : "", slow, failing, seed,
                uplinkOrder == SwarmSim.UplinkOrder.REQUESTS ? ", uplinks send in the order asked (what-if: not the engine)" : "");
        System.out.printf(Locale.ROOT, "finished %d of %d; bound F/c %.2f s%n", done.length, expected, bound);
        if (done.length > 0) {
            System.out.printf(Locale.ROOT, "p50 %.2f s (%.2f x F/c)  p99 %.2f s (%.2f x)  p99.9 %.2f s (%.2f x)  last %.2f s (%.2f x)%n",
                    q(done, 0.5), q(done, 0.5) / bound, q(done, 0.99), q(done, 0.99) / bound, q(done, 0.999),
                    q(done, 0.999) / bound, done[done.length - 1] / 1e9, done[done.length - 1] / 1e9 / bound);
            if (racks > 1) { // as bench/fleet.sh prints it: a rack that came last as a whole shows apart from one late host
                double[] lastOfRack = new double[racks];
                for (int i = 1; i < r.doneAt().length; i++) {
                    int k = SwarmSim.rackOf(params, i);
                    if (k >= 0 && r.doneAt()[i] >= 0) {
                        lastOfRack[k] = Math.max(lastOfRack[k], r.doneAt()[i] / 1e9 / bound);
                    }
                }
                StringBuilder line = new StringBuilder("last host of each rack (x F/c):");
                for (double v : lastOfRack) {
                    line.append(String.format(Locale.ROOT, " %.2f", v));
                }
                System.out.println(line);
            }
        }
        System.out.printf(Locale.ROOT, "origin sent %.3f x F; duplicate bytes %.2f %% of what the hosts received; across racks %.2f x F"
                + " (%.2f x F x racks)%n", (double) r.originUploaded() / file,
                100.0 * r.duplicateBytes() / ((double) file * Math.max(1, done.length)), (double) r.rackBytes() / file,
                (double) r.rackBytes() / file / racks);
        System.out.print(sim.connections());
        System.out.print(sim.timeline());
        System.out.printf(Locale.ROOT, "simulated %d events in %.1f s of wall time%n", r.events(), wall);
        System.exit(done.length == expected ? 0 : 1);
    }

    private static double q(long[] sorted, double quantile) {
        int i = (int) Math.ceil(quantile * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e9;
    }

    private static double number(String name, String v) {
        try {
            double d = Double.parseDouble(v);
            if (d < 0 || Double.isNaN(d) || Double.isInfinite(d)) {
                usage(name + " " + v + " (expected: a number >= 0)");
            }
            return d;
        } catch (NumberFormatException e) {
            usage(name + " " + v + " (expected: a number)");
            return 0;
        }
    }

    private static int positive(String name, String v) {
        double d = number(name, v);
        if (d < 1 || d != Math.floor(d) || d > 1_000_000) {
            usage(name + " " + v + " (expected: a whole number from 1 to 1000000)");
        }
        return (int) d;
    }

    private static void usage(String message) {
        System.err.println("swarm-sim: " + message);
        System.exit(2);
    }
}
