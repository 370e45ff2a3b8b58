#!/usr/bin/env bash
# Swarm simulator: HOSTS murder hosts plus one origin in virtual time, each running the engine's own
# policies (piece picker, request depth, choking/upload slots, peer set, first copy, seed sparing)
# and the tracker's own peer lists; only the bytes and the wires are simulated (per-host uplink and
# downlink queues, one-way latency, optional rack uplinks; a connection holds at most 128 KiB on its way,
# as a TCP window, so a slow downlink does not take its sender's uplink). Deterministic for a --seed.
#
# usage: bench/swarm-sim.sh HOSTS [--file MiB=256] [--piece KiB=256] [--up Mbit/s=400] [--down Mbit/s]
#          [--origin-up Mbit/s] [--latency ms=0.5] [--jitter s=0] [--racks N=1] [--rack-uplink Mbit/s] [--rack-hints] [--rack-gateways N=4] [--origin-outside]
#          [--slow N] [--slow-factor F=0.5] [--failing N] [--max-peers N=100] [--numwant N=20] [--seed N=1]
#          [--uplink-order requests|rarest] [--uplink-ahead KiB=0] [--timeline]
#
# --uplink-order: rarest (the default) is the engine's send order (SendOrder: a piece few peers have
# before common ones asked earlier, none waiting for good); requests is a what-if, the engine before
# it had one (each block sent in the order asked).
# --uplink-ahead: how much each uplink takes from its send order ahead of the wire, sent in the order
# taken (what the engine hands its sockets plus what the kernel queues below them); 0, the default,
# is one block at a time, the order's best case. The 200-host fleet at 1 Mbit/s: 0-128 KiB 1.25-1.26 x,
# 512 KiB 1.29-1.30 x, 2 MiB 1.32-1.34 x (the real bench/fleet.sh measured 1.33-1.37 x).
#
# Prints p50, p99, p99.9 and the last host against the bound F/c, what the origin sent (x F),
# duplicate bytes and bytes across racks. Calibration (16 hosts against bench/swarm.sh): see README.
# Needs a built tree (mvn -q install -DskipTests); compiles the peer module's test classes if needed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd -P)
root=$(cd "$here/.." && pwd -P)
lib="$root/murder/target/murder/lib"
[ -d "$lib" ] || { echo "build first: mvn -q install -DskipTests" >&2; exit 1; }
classes="$root/peer/target/test-classes"
if [ ! -f "$classes/org/murder/peer/engine/SwarmSimMain.class" ] \
    || [ -n "$(find "$root/core/src" "$root/tracker/src" "$root/peer/src" -newer "$classes/org/murder/peer/engine/SwarmSimMain.class" -name '*.java' | head -1)" ]; then
  # -am: core and tracker from this tree too, not a stale copy in ~/.m2
  (cd "$root" && mvn -o -q -B -pl peer -am test-compile -Ddeb.skip >&2)
fi
# the tracker's own peer-list policy and core from this tree's classes, ahead of the (possibly older) jars in lib/
exec java -Xmx${SIM_HEAP:-6g} -XX:+UseParallelGC ${SIM_JAVA_OPTS:-} \
  -cp "$root/peer/target/classes:$classes:$root/tracker/target/classes:$root/core/target/classes:$root/testkit/target/classes:$lib/*" \
  org.murder.peer.engine.SwarmSimMain "$@"
