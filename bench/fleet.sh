#!/usr/bin/env bash
# Fleet bench: HOSTS real murder engines (default 200), each on its own loopback address
# 127.100.R.N, its uplink shaped to C by tc (htb, one class per source address, hashed u32
# filters), plus one origin seed at 127.100.0.1 shaped to C too. The engines run JVMS to a JVM
# (FleetMain, peer test classes); the tracker is a real `murder tracker` on 127.0.0.1 (unshaped).
# The release is random bytes in tmpfs (/dev/shm), so the disk is not what is measured.
#
# usage: sudo bench/fleet.sh [HOSTS=200] [-C 1mbit] [--file MiB=16] [--piece KiB=auto] [--jvms N=4]
#          [--max-peers N=20] [--md5] [--timeout S=900] [--mtu BYTES=9000] [--rto-min MS=0]
#          [--racks R [--rack-uplink RATE=2*C] [--rack-hints both|on|off] [--rack-gateways N=4]]
#
# Racks (--racks R): host i sits in rack i % R at 127.100.(10 + rack).(1 + i / R); the origin is in
# no rack. Traffic into each rack from outside it (the origin and the other racks) passes that rack's
# uplink: lo's ingress is redirected to an ifb device where one htb class per rack holds it to
# RATE. Only the inbound direction is shaped (tc cannot chain a third stage after the hosts' own
# uplinks); the outbound one is bounded by the other racks' inbound. Hosts announce their rack
# (--rack-hints on) or not (off); both (the default) runs the same swarm twice, without then with,
# and prints the two side by side. Prints the bytes that crossed into racks (tc, with headers) as a
# multiple of F x racks (with hints, also the payload alone, from the engines' own counters), and
# the last host against the topology's bound F / min(C, RATE), overall and in each rack.
#
# Prints the last host, p50, p99 against the bound F/C, what the origin sent (x F, from its own
# counter and from tc), duplicate bytes (payload sent minus new payload received, x HOSTS.F) and the
# CPU the machine spent during the download against what it has, so a run whose time was set by
# CPU rather than by the links shows itself; and how busy the hosts' uplinks were together and the
# origin's (tc's bytes, sampled about once a second) by tenths of the bound, and when the origin's
# last data left (so the time splits into the origin's and the hosts' tail). Needs root (tc on lo)
# and a built tree; it replaces whatever root qdisc lo had (normally none) and deletes its own at
# exit; with --racks also lo's ingress qdisc and an ifb device murder-fleet0, both deleted at exit.
#
# --mtu: lo's MTU during the run (put back at exit). lo's own 65,536 makes every TCP segment up to
# 64 KiB, half a second of a 1 Mbit/s uplink, and TCP's least window four of them: the kernel then
# holds seconds of each uplink in the order asked, below the engine's send order, where no real
# link's MTU would (jumbo frames are 9,000). --mtu 65536 leaves lo as it is (the figures before
# December 2026).
#
# --rto-min: TCP's least retransmission timeout between the fleet's addresses (a route of lo's local
# table for 127.100.0.0/16 with rto_min, replacing one already there, deleted at exit); 0 leaves the kernel's 200 ms. TCP's timers
# do not scale down with the links: at 1 Mbit/s a 9,000-byte packet takes 72 ms, a host's shaper
# holds a second or more of its 20 peers' packets, and a flow whose RTT was measured with the queue
# empty times out behind it and sends its whole window again, on the same uplink (see the "tcp" line,
# which counts the machine's retransmissions, timeouts and loss probes during the run).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd -P)
root=$(cd "$here/.." && pwd -P)
murder="$root/bin/murder"
lib="$root/murder/target/murder/lib"
H=200; C=1mbit; F=16; PIECE=; JVMS=4; MAXPEERS=20; MD5=0; TIMEOUT=900; RACKS=0; RACK_UP=; HINTS=both; GATEWAYS=; MTU=9000; RTO_MIN=0
args=("$@")
while [ $# -gt 0 ]; do
  case "$1" in
    --racks) RACKS=$2; shift 2 ;;
    --rack-uplink) RACK_UP=$2; shift 2 ;;
    --rack-hints) HINTS=$2; shift 2 ;;
    --rack-gateways) GATEWAYS=$2; shift 2 ;;
    -C) C=$2; shift 2 ;;
    --file) F=$2; shift 2 ;;
    --piece) PIECE=$2; shift 2 ;;
    --jvms) JVMS=$2; shift 2 ;;
    --max-peers) MAXPEERS=$2; shift 2 ;;
    --md5) MD5=1; shift ;;
    --timeout) TIMEOUT=$2; shift 2 ;;
    --mtu) MTU=$2; shift 2 ;;
    --rto-min) RTO_MIN=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/{/^#/p}' "$0"; exit 0 ;;
    -*) echo "fleet.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) H=$1; shift ;;
  esac
done
[[ "$H" =~ ^[0-9]+$ ]] && [ "$H" -ge 2 ] && [ "$H" -le 2000 ] || { echo "fleet.sh: HOSTS '$H' (expected: 2 to 2000)" >&2; exit 2; }
[[ "$JVMS" =~ ^[0-9]+$ ]] && [ "$JVMS" -ge 1 ] || { echo "fleet.sh: --jvms '$JVMS' (expected: 1 or more)" >&2; exit 2; }
[[ "$F" =~ ^[0-9]+$ ]] && [ "$F" -ge 1 ] || { echo "fleet.sh: --file '$F' (expected: MiB, 1 or more)" >&2; exit 2; }
[ -z "$PIECE" ] || [[ "$PIECE" =~ ^(16|32|64|128|256|512|1024|2048|4096)$ ]] || { echo "fleet.sh: --piece '$PIECE' (expected: KiB, a power of two from 16 to 4096)" >&2; exit 2; }
[[ "$MAXPEERS" =~ ^[0-9]+$ ]] && [ "$MAXPEERS" -ge 1 ] || { echo "fleet.sh: --max-peers '$MAXPEERS' (expected: 1 or more)" >&2; exit 2; }
[[ "$TIMEOUT" =~ ^[0-9]+$ ]] && [ "$TIMEOUT" -ge 10 ] || { echo "fleet.sh: --timeout '$TIMEOUT' (expected: seconds, 10 or more)" >&2; exit 2; }
[[ "$RACKS" =~ ^[0-9]+$ ]] && [ "$RACKS" -le 100 ] || { echo "fleet.sh: --racks '$RACKS' (expected: 0 to 100)" >&2; exit 2; }
[[ "$MTU" =~ ^[0-9]+$ ]] && [ "$MTU" -ge 1280 ] && [ "$MTU" -le 65536 ] || { echo "fleet.sh: --mtu '$MTU' (expected: bytes, 1280 to 65536)" >&2; exit 2; }
[[ "$RTO_MIN" =~ ^[0-9]+$ ]] && [ "$RTO_MIN" -le 60000 ] || { echo "fleet.sh: --rto-min '$RTO_MIN' (expected: milliseconds, 0 to 60000)" >&2; exit 2; }
[[ "$HINTS" =~ ^(both|on|off)$ ]] || { echo "fleet.sh: --rack-hints '$HINTS' (expected: both, on or off)" >&2; exit 2; }
if [ -n "$GATEWAYS" ]; then
  [[ "$GATEWAYS" =~ ^[0-9]+$ ]] && [ "$GATEWAYS" -ge 1 ] && [ "$GATEWAYS" -le 64 ] \
    || { echo "fleet.sh: --rack-gateways '$GATEWAYS' (expected: 1 to 64)" >&2; exit 2; }
fi
if [ "$RACKS" -gt 0 ]; then
  [ "$RACKS" -ge 2 ] && [ "$H" -ge "$RACKS" ] && [ $(( (H + RACKS - 1) / RACKS )) -le 250 ] \
    || { echo "fleet.sh: --racks $RACKS for $H hosts (expected: 2 racks or more, 1 to 250 hosts a rack)" >&2; exit 2; }
  if [ "$HINTS" = both ]; then   # the same swarm twice, without then with hints, side by side
    outs=$(mktemp -d /dev/shm/murder-fleet-racks.XXXXXX)
    trap 'rm -rf "$outs"' EXIT
    for h in off on; do "$0" "${args[@]}" --rack-hints $h | tee "$outs/$h" || exit $?; done
    echo "# racks: without hints / with hints"
    grep -h '^summary' "$outs/off" "$outs/on" || echo "# (a run printed no summary)"
    exit 0
  fi
fi
[ "$(id -u)" = 0 ] || { echo "fleet.sh: needs root (tc on lo)" >&2; exit 2; }
for tool in tc ip python3 java flock; do command -v $tool > /dev/null || { echo "fleet.sh: needs $tool" >&2; exit 2; }; done
# one fleet at a time: each installs its qdisc on lo (and sets its MTU) and undoes it at exit, so a
# second run would take the first's shaping away (its figures then silently unshaped); taken before
# the compile below, which two runs would also share
mkdir -p /run/lock
exec 9>/run/lock/murder-fleet.lock
flock -n 9 || { echo "fleet.sh: another bench/fleet.sh runs on this machine (/run/lock/murder-fleet.lock); wait for it" >&2; exit 1; }
# bits_per_second OPTION RATE: a tc rate (8mbit, 500kbit) in bits per second, or a one-line error
bits_per_second() {
  python3 - "$1" "$2" <<'EOF'
import re, sys
m = re.fullmatch(r'(\d+(?:\.\d+)?)(k|m|g)?bit', sys.argv[2].lower())
if not m:
    sys.stderr.write("fleet.sh: %s %s (expected: a tc rate like 8mbit, 500kbit)\n" % (sys.argv[1], sys.argv[2]))
    sys.exit(2)
print(int(float(m.group(1)) * {None: 1, 'k': 1e3, 'm': 1e6, 'g': 1e9}[m.group(2)]))
EOF
}
rate_bps=$(bits_per_second -C "$C")
[ -n "$RACK_UP" ] || RACK_UP="$((2 * rate_bps))bit"
rack_bps=$(bits_per_second --rack-uplink "$RACK_UP")
[ -d "$lib" ] || { echo "fleet.sh: build first: mvn -q install -DskipTests" >&2; exit 1; }
classes="$root/peer/target/test-classes"
if [ ! -f "$classes/org/murder/peer/engine/FleetMain.class" ] \
    || [ -n "$(find "$root/core/src" "$root/tracker/src" "$root/peer/src" -newer "$classes/org/murder/peer/engine/FleetMain.class" -name '*.java' | head -1)" ]; then
  (cd "$root" && mvn -o -q -B -pl peer -am test-compile -Ddeb.skip >&2)
fi
# this tree's classes ahead of the (possibly older) jars of the distribution
cp="$root/peer/target/classes:$classes:$root/tracker/target/classes:$root/core/target/classes:$lib/*"

work=$(mktemp -d /dev/shm/murder-fleet.XXXXXX)
. "$here/lib.sh"
shaped=0
racks_shaped=0
routed=0
ifb=murder-fleet0
lo_mtu=$(cat /sys/class/net/lo/mtu)
fleet_cleanup() {
  [ -z "${uplink_sampler:-}" ] || kill "$uplink_sampler" 2>/dev/null || true
  [ $shaped = 1 ] && tc qdisc del dev lo root 2>/dev/null || true
  [ "$(cat /sys/class/net/lo/mtu)" = "$lo_mtu" ] || ip link set dev lo mtu "$lo_mtu" 2>/dev/null || true
  [ $routed = 1 ] && ip route del local 127.100.0.0/16 dev lo table local 2>/dev/null || true
  if [ $racks_shaped = 1 ]; then
    tc qdisc del dev lo ingress 2>/dev/null || true
    ip link del "$ifb" 2>/dev/null || true
  fi
  cleanup
}
trap fleet_cleanup EXIT

# addresses: the origin 127.100.0.1, host i (0-based) 127.100.(1 + i/200).(1 + i%200); in racks,
# 127.100.(10 + i%R).(1 + i/R), rack i%R
addr() {
  if [ "$RACKS" -gt 0 ]; then echo "127.100.$((10 + $1 % RACKS)).$((1 + $1 / RACKS))"
  else echo "127.100.$((1 + $1 / 200)).$((1 + $1 % 200))"; fi
}
host_arg() {   # what FleetMain is given for host i: ADDR, or ADDR@RACK when hosts announce racks
  if [ "$RACKS" -gt 0 ] && [ "$HINTS" = on ]; then echo "$(addr "$1")@r$(($1 % RACKS))"; else addr "$1"; fi
}
origin=127.100.0.1

# --- shaping: every source address of ours gets its own htb class at C; the rest of lo is unshaped
burst=$(( rate_bps / 8 / 50 )); [ $burst -ge 131072 ] || burst=131072   # 20 ms, at least two 64 KiB GSO packets
[ "$MTU" = "$lo_mtu" ] || ip link set dev lo mtu "$MTU"
tc qdisc del dev lo root 2>/dev/null || true
shaped=1
{
  echo "qdisc add dev lo root handle 1: htb default 1 r2q 10000"
  echo "class add dev lo parent 1: classid 1:1 htb rate 100gbit quantum 200000"
  echo "filter add dev lo parent 1:0 prio 1 handle 2: protocol ip u32 divisor 256"
  echo "filter add dev lo parent 1:0 prio 1 protocol ip u32 ht 800:: match ip src 127.100.0.0/16 hashkey mask 0x000000ff at 12 link 2:"
  for i in $(seq -1 $((H - 1))); do
    if [ "$i" = -1 ]; then a=$origin; else a=$(addr "$i"); fi
    minor=$(printf '%x' $((i + 16)))
    bucket=$(printf '%x' "${a##*.}")
    echo "class add dev lo parent 1: classid 1:$minor htb rate $C ceil $C burst $burst cburst $burst quantum 65536"
    if [ -n "${FLEET_QUEUE:-}" ]; then echo "qdisc add dev lo parent 1:$minor handle $minor: bfifo limit $FLEET_QUEUE"; fi
    echo "filter add dev lo parent 1:0 prio 1 protocol ip u32 ht 2:$bucket: match ip src $a/32 flowid 1:$minor"
  done
} > "$work/tc.batch"
tc -batch "$work/tc.batch"
if [ "$RTO_MIN" -gt 0 ]; then
  ip route del local 127.100.0.0/16 dev lo table local 2>/dev/null || true   # a killed run's
  ip route add local 127.100.0.0/16 dev lo table local rto_min "${RTO_MIN}ms"
  routed=1
fi
if [ "$RACKS" -gt 0 ]; then
  # the racks' uplinks, inbound: lo's ingress (ours to ours) through an ifb, one htb class per rack
  # for what comes from outside it; traffic inside a rack and to the origin passes unshaped
  racks_shaped=1
  tc qdisc del dev lo ingress 2>/dev/null || true
  ip link del "$ifb" 2>/dev/null || true
  { ip link add "$ifb" type ifb && ip link set "$ifb" up; } \
    || { echo "fleet.sh: cannot add the ifb device $ifb for the rack uplinks (is the ifb module available?)" >&2; exit 1; }
  rburst=$(( rack_bps / 8 / 50 )); [ $rburst -ge 131072 ] || rburst=131072
  {
    echo "qdisc add dev lo handle ffff: ingress"
    echo "filter add dev lo parent ffff: protocol ip prio 1 u32 match ip src 127.100.0.0/16 match ip dst 127.100.0.0/16 action mirred egress redirect dev $ifb"
    echo "qdisc add dev $ifb root handle 1: htb default 1 r2q 10000"
    echo "class add dev $ifb parent 1: classid 1:1 htb rate 100gbit quantum 200000"
    for r in $(seq 0 $((RACKS - 1))); do
      net="127.100.$((10 + r)).0/24"
      minor=$(printf '%x' $((r + 16)))
      echo "class add dev $ifb parent 1: classid 1:$minor htb rate $RACK_UP ceil $RACK_UP burst $rburst cburst $rburst quantum 65536"
      if [ -n "${FLEET_QUEUE:-}" ]; then echo "qdisc add dev $ifb parent 1:$minor handle $minor: bfifo limit $FLEET_QUEUE"; fi
      echo "filter add dev $ifb parent 1:0 prio 1 protocol ip u32 match ip src $net match ip dst $net flowid 1:1"
      echo "filter add dev $ifb parent 1:0 prio 2 protocol ip u32 match ip dst $net flowid 1:$minor"
    done
  } > "$work/tc-racks.batch"
  tc -batch "$work/tc-racks.batch"
fi

start_open_tracker ${GATEWAYS:+--rack-gateways "$GATEWAYS"}
make_random_release "$F" "$PIECE"
# what make-torrent chose (without --piece) or was given: "512 pieces of 32 KiB"
pieces=$("$murder" info --json "$work/release.torrent" | python3 -c '
import json, sys
t = json.load(sys.stdin)
print("%d pieces of %d KiB" % (t["pieces"], t["pieceLength"] // 1024))')
md5opt=()
[ $MD5 = 1 ] && md5opt=(--md5 "$(md5sum "$work/seed/release.bin" | cut -d' ' -f1)")
echo "# fleet: $H hosts + 1 origin, uplinks C=$C (htb per address on lo), F=$F MiB ($pieces$([ -z "$PIECE" ] && echo ", make-torrent's choice"))," \
  "$JVMS JVMs, max-peers $MAXPEERS, md5 $([ $MD5 = 1 ] && echo on || echo off), lo mtu $MTU," \
  "TCP rto_min $([ "$RTO_MIN" -gt 0 ] && echo "${RTO_MIN} ms" || echo "200 ms (the kernel's)"), $(nproc) cores"
if [ "$RACKS" -gt 0 ]; then
  echo "# racks: $RACKS (host i in rack i % $RACKS), rack uplinks $RACK_UP inbound, the origin in none, rack hints $HINTS"
fi

cat > "$work/logback.xml" <<'XML'
<configuration>
  <appender name="err" class="ch.qos.logback.core.ConsoleAppender"><target>System.err</target>
    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{0}: %msg%n</pattern></encoder></appender>
  <logger name="org.murder" level="${FLEET_LOG:-WARN}"/>
  <root level="WARN"><appender-ref ref="err"/></root>
</configuration>
XML
jopts=(-Xss512k -XX:+UseParallelGC -XX:TieredStopAtLevel=1 -Dlogback.configurationFile="$work/logback.xml" ${FLEET_JAVA_OPTS:-})
java "${jopts[@]}" -Xmx512m -cp "$cp" org.murder.peer.engine.FleetMain --torrent "$work/release.torrent" --work "$work" \
  --hosts "$origin" --seed "$work/seed/release.bin" --timeout "$TIMEOUT" > "$work/origin.out" 2> "$work/origin.err" &
pids+=($!)
per=$(( (H + JVMS - 1) / JVMS ))
jvm_outs=()
for j in $(seq 0 $((JVMS - 1))); do
  list=()
  for i in $(seq $((j * per)) $(( (j + 1) * per - 1 ))); do [ "$i" -lt "$H" ] && list+=("$(host_arg "$i")"); done
  [ ${#list[@]} -gt 0 ] || continue
  java "${jopts[@]}" -Xmx2g -cp "$cp" org.murder.peer.engine.FleetMain --torrent "$work/release.torrent" --work "$work" \
    --hosts "$(IFS=,; echo "${list[*]}")" --max-peers "$MAXPEERS" --timeout "$TIMEOUT" "${md5opt[@]}" \
    > "$work/jvm$j.out" 2> "$work/jvm$j.err" &
  pids+=($!)
  jvm_outs+=("$work/jvm$j.out")
done
ready() { for f in "$work/origin.out" "${jvm_outs[@]}"; do grep -q '^ready' "$f" || return 1; done; }
wait_for 120 ready || { tail -5 "$work"/*.err >&2; exit 1; }

cpu_busy() { awk '/^cpu /{print $2+$3, $4, $7+$8}' /proc/stat; }   # user+nice, system, irq+softirq: ticks
# the machine's TCP counters: segments sent and sent again; timeouts (spurious ones), loss probes, SYNs sent again; connections opened
tcp_counters() {
  awk '$1 == "Tcp:" && $2 != "RtoAlgorithm" {o = $12; r = $13; a = $6}
       $1 == "TcpExt:" && !n {for (i = 2; i <= NF; i++) k[i] = $i; n = 1; next}
       $1 == "TcpExt:" && n {for (i = 2; i <= NF; i++) v[k[i]] = $i}
       END {print o + 0, r + 0, v["TCPTimeouts"] + 0, v["TCPSpuriousRTOs"] + 0, v["TCPLossProbes"] + 0, v["TCPSynRetrans"] + 0, a + 0}' /proc/net/snmp /proc/net/netstat
}
read -r -a tcp0 < <(tcp_counters)
tick=$(getconf CLK_TCK)
read -r u0 s0 i0 < <(cpu_busy)
pk0=$(cat /sys/class/net/lo/statistics/tx_packets)
# the hosts' uplinks (tc's bytes, headers included, all hosts' classes together) and the origin's, about
# once a second until the engines are told to stop (and never beyond the timeout): how busy over time
( end=$((SECONDS + TIMEOUT + 60))
  while [ $SECONDS -lt $end ] && [ ! -e "$work/stop" ]; do
    tc -s class show dev lo | awk -v t="$(date +%s%3N)" \
      '/^class/{c=$3} /Sent/{if (c == "1:f") o=$2; else if (c != "1:1") h+=$2} END{printf "%s %.0f %.0f\n", t, o, h}'
    sleep 1
  done > "$work/uplinks.log" ) &
uplink_sampler=$!
start_ms=$(( $(date +%s%3N) + 300 ))
echo "$start_ms" > "$work/go.tmp" && mv "$work/go.tmp" "$work/go"
all_done() { for f in "${jvm_outs[@]}"; do grep -q -E '^all-done' "$f" || return 1; done; }
wait_for "$TIMEOUT" all_done || echo "# not every host finished within ${TIMEOUT}s" >&2
end_ms=$(date +%s%3N)
read -r u1 s1 i1 < <(cpu_busy)
read -r -a tcp1 < <(tcp_counters)
tcp_delta=""
for k in 0 1 2 3 4 5 6; do tcp_delta+="$(( ${tcp1[$k]:-0} - ${tcp0[$k]:-0} )),"; done
pk1=$(cat /sys/class/net/lo/statistics/tx_packets)
origin_tc=$(tc -s class show dev lo classid 1:f | awk '/Sent/{print $2; exit}')
# what the hosts' own classes carried (headers, ACKs and messages included): all but the root's and the origin's
hosts_tc=$(tc -s class show dev lo | awk '/^class/{c=$3} /Sent/{if (c != "1:1" && c != "1:f") t+=$2} END{printf "%.0f", t}')
into_racks=""; into_racks_pkts=""
if [ "$RACKS" -gt 0 ]; then
  for r in $(seq 0 $((RACKS - 1))); do
    rb=0; rp=0
    read -r rb rp < <(tc -s class show dev "$ifb" classid "1:$(printf '%x' $((r + 16)))" | awk '/Sent/{print $2, $4; exit}') || true
    into_racks+="${rb:-0},"; into_racks_pkts+="${rp:-0},"
  done
fi
touch "$work/stop"
wait "$uplink_sampler" 2>/dev/null || true
for p in "${pids[@]:1}"; do wait "$p" 2>/dev/null || true; done   # the engines print their counters and exit
grep -h '^failed' "$work"/jvm*.out >&2 || true

python3 - "$work" "$H" "$((F * 1024 * 1024))" "$rate_bps" "$((u1 - u0)),$((s1 - s0)),$((i1 - i0))" "$tick" "$((end_ms - start_ms))" \
  "$(nproc)" "${origin_tc:-0}" "$((pk1 - pk0))" "$rack_bps" "$HINTS" "$into_racks" "${hosts_tc:-0}" "$RACKS" "$tcp_delta" "$start_ms" "$into_racks_pkts" <<'EOF'
import glob, math, sys
work, hosts, size, bps, busy, tick, wall_ms, cores, origin_tc = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \
    int(sys.argv[4]), [int(x) for x in sys.argv[5].split(",")], int(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8]), int(sys.argv[9])
packets = int(sys.argv[10])
rack_bps, hints = int(sys.argv[11]), sys.argv[12]
into = [int(x) for x in sys.argv[13].split(",") if x]
hosts_tc, racks = int(sys.argv[14]), int(sys.argv[15])
tcp = [int(x) for x in sys.argv[16].split(",") if x]
start_ms = int(sys.argv[17])
into_pkts = [int(x) for x in sys.argv[18].split(",") if x]
rows = []
origin_up = 0
for f in glob.glob(work + "/*.out"):
    for line in open(f):
        p = line.split()
        if p and p[0] == "host":
            if f.endswith("origin.out"):
                origin_up = int(p[4])
            else:
                rows.append((int(p[2]), int(p[3]), int(p[4]), int(p[5]) if len(p) > 5 else -1, p[1]))
done = sorted(r[0] / 1000 for r in rows if r[0] >= 0)
bound = size * 8 / (min(bps, rack_bps) if into else bps)
def pct(q):
    return done[min(len(done) - 1, max(0, math.ceil(q * len(done)) - 1))]
print("hosts     %d of %d complete" % (len(done), hosts))
if done:
    for name, v in (("p50", pct(0.5)), ("p99", pct(0.99)), ("last", done[-1])):
        print("%-9s %7.1f s = %.2f x %s (bound %.1f s)" % (name, v, v / bound, "F/min(C, rack uplink)" if into else "F/C", bound))
if any(r[1] < 0 for r in rows):
    print("(%d hosts did not report their counters: bytes below leave them out)" % sum(1 for r in rows if r[1] < 0))
sent = origin_up + sum(r[2] for r in rows if r[2] >= 0)
new = sum(r[1] for r in rows if r[1] >= 0)
print("origin    %.3f x F sent (tc: %.3f x F with headers)" % (origin_up / size, origin_tc / size))
print("packets   %d on lo, %.0f per MiB received" % (packets, packets / max(new / 1048576, 1)))
hosts_up = sum(r[2] for r in rows if r[2] >= 0)
if hosts_tc > 0 and hosts_up > 0 and done and racks == 0 and all(r[2] >= 0 for r in rows):
    framing = hosts_tc / hosts_up
    print("wire      the hosts' uplinks carried %.3f x their payload (TCP/IP headers, ACKs, messages): last %.2f x the framed bound F/C x %.3f"
          % (framing, done[-1] / (bound * framing), framing))
if len(tcp) == 7:
    print("tcp       %d segments sent again (%.2f %% of %d sent), %d timeouts (%d found spurious), %d loss probes; %d connections opened (peers and announces), %d SYNs sent again (the whole machine)"
          % (tcp[1], 100.0 * tcp[1] / max(tcp[0], 1), tcp[0], tcp[2], tcp[3], tcp[4], tcp[6], tcp[5]))
if done:
    # the hosts' uplinks together, by tenths of the bound from the start (tc's bytes against H x C: 100 = every uplink full)
    samples = []
    try:
        for line in open(work + "/uplinks.log"):
            p = line.split()
            if len(p) == 3 and line.endswith("\n"):
                samples.append((int(p[0]) - start_ms, float(p[2]), float(p[1])))
    except OSError:
        pass

    def by_tenths(column, links):
        tenths = []
        for k in range(int(math.ceil(done[-1] / bound * 10))):
            a = [s for s in samples if s[0] <= k * bound * 100]
            b = [s for s in samples if s[0] <= (k + 1) * bound * 100]
            if a and b and b[-1][0] - a[-1][0] > 500:
                tenths.append("%.0f" % (100.0 * (b[-1][column] - a[-1][column]) / (links * bps / 8 * (b[-1][0] - a[-1][0]) / 1000)))
            else:
                tenths.append("-")
        return " ".join(tenths)
    if samples:
        print("timeline  hosts' uplinks busy (%% of H x C, headers included) by tenths of the bound: %s" % by_tenths(1, hosts))
        print("          the origin's uplink (%% of C, the same tenths): %s" % by_tenths(2, 1))
        # the origin's last data: in the last sample in which its class ran at half of C or more (its announces,
        # keep-alives and ACKs alone are a few per cent), when its bytes of that sample had left at C
        last = next((min(b[0], a[0] + 1000.0 * (b[2] - a[2]) / (bps / 8)) for a, b in reversed(list(zip(samples, samples[1:])))
                     if b[0] > a[0] and (b[2] - a[2]) >= 0.5 * bps / 8 * (b[0] - a[0]) / 1000), None)
        if last is not None:
            print("          the origin's last data at about %.1f s = %.2f x %s (sampled about once a second); the last host %.1f s after it"
                  % (last / 1000.0, last / 1000.0 / bound, "F/min(C, rack uplink)" if into else "F/C",
                     max(0.0, done[-1] - last / 1000.0)))
print("duplicate %.2f %% of what hosts received (%d MiB sent, %d MiB new)" % (100.0 * (sent - new) / max(new, 1), sent >> 20, new >> 20))
cpu_s = sum(busy) / tick
if into:
    across = sum(into) / (size * len(into))
    print("racks     %.2f x F x racks crossed into racks (tc, with headers; per rack: %s)"
          % (across, " ".join("%.2f" % (x / size) for x in into)))
    if done:
        # a rack is 127.100.(10 + rack).N (see addr): when the racks' last hosts differ, the rack that came last
        # as a whole (its uplink or its gateways) shows apart from a host late inside a rack
        by_rack = {}
        for r in rows:
            if r[0] >= 0:
                k = int(r[4].split(".")[2]) - 10
                by_rack[k] = max(by_rack.get(k, 0), r[0] / 1000)
        print("          last host of each rack (x bound): %s" % " ".join("%.2f" % (by_rack[k] / bound) for k in sorted(by_rack)))
    payload_in = sum(r[3] for r in rows if r[3] >= 0)
    if payload_in > 0 and all(r[3] >= 0 for r in rows):
        print("          payload only: %.2f x F x racks (the hosts' own count of what came from peers outside their rack, the origin included)"
              % (payload_in / (size * len(into))))
    if into_pkts and sum(into) > 0:
        # tc counts a GSO packet as its segments; on lo each has 14 bytes of Ethernet, 20 of IP, 32 of TCP with timestamps
        print("          packets: %.0f into each rack, %.0f a MiB crossed; their headers alone (66 bytes each) %.3f x F x racks"
              % (sum(into_pkts) / len(into_pkts), sum(into_pkts) / (sum(into) / 2**20), 66 * sum(into_pkts) / (size * len(into))))
    print("summary   hints %-3s  across %.2f x F x racks  last %.2f x bound  p50 %.2f  origin %.3f x F" % (
        hints, across, done[-1] / bound if done else float("nan"), pct(0.5) / bound if done else float("nan"), origin_up / size))
print("cpu       %.1f core-s in %.1f s = %.0f %% of %d cores (the whole machine: user %.1f, system %.1f, irq+softirq %.1f)"
      % (cpu_s, wall_ms / 1000, 100 * cpu_s / (wall_ms / 1000 * cores), cores, busy[0] / tick, busy[1] / tick, busy[2] / tick))
EOF
