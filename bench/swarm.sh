#!/usr/bin/env bash
# Swarm benchmark in network namespaces: one seed host and H hosts on one bridge, every host's
# uplink shaped to C, a default-DROP firewall opened with `murder firewall --apply` in each.
#
# usage: bench/swarm.sh [-H HOSTS=16] [-C RATE=50mbit] [-F SIZE_MIB=128] [-P PIECE_SIZE] [--skip-single]
#                       [--skip-aria2c] [--skip-peers] [--skip-agents] [--work DIR] [--keep-logs]
#
# The defaults were sized for 2 cores (November 2026: the 17 JVMs kept the machine about 80 % busy);
# in December the same VM spent nearly twice the CPU per GiB and the defaults ran it 100 % busy, so
# the run prints how busy the machine was and says when the CPU, not the links, set the time. Same
# F/C with less CPU: -C 25mbit -F 64 (about 90 %), or -H 8 (70-80 %). At 200 Mbit/s (-C 200mbit
# -F 256) the run is CPU-bound, for aria2c leechers too. -P passes a piece size to make-torrent.
#
# Phases, each timed from the moment the source is ready to serve:
#   murder  murder tracker + murder seed in the seed host, `murder peer` in every host (started
#           first, waiting; the clock starts when the seed has verified its file and listens)
#   single  the same file from one source to all H hosts over the same links: python3 -m
#           http.server in the seed host, H concurrent curl downloads
#   aria2c  the murder phase again with aria2c leechers (our tracker and our seed)
#   deploy  the product's own flow: ZooKeeper in the seed host, `murder agent` in every host,
#           `murder deploy` of a ready .tar.gz of F MiB from the seed host (embedded tracker and
#           seeder, signed job), twice: the first deploy meets freshly started agents (new JVMs that
#           ran only their start-up warm-up; AGENT_OPTS=--no-warm-up for none), the second the same
#           agents after a deploy, as agents are in production.
#           Timed from the deploy's launch to its "all H hosts done" line: md5, torrent, job and
#           ZooKeeper fan-out included.
# Prints the time of the last host, the bound F/C (Kumar & Ross: with the seed's uplink = C, no
# schedule beats F/C), their ratio (also against F/C with TCP/IP framing, which tbf counts), the single-source time and the speedup over it; for murder
# peers also what the origin uploaded and when it sent its last data (bench/uplink_sampler.py
# reads every port's counter on the bridge), so the time splits into the origin's and the tail, and
# how busy the hosts' uplinks and the machine were in the first 5 s, the middle and the tail.
# Targets (shared/DESIGN.md): last host <= 1.15 x F/C for 16 hosts; speedup >= 0.85 x H.
# PEER_OPTS: more options for every `murder peer` (e.g. --warm-up); AGENT_OPTS for every `murder agent`;
# SEED_OPTS for the origin's `murder seed` (e.g. --verbose).
# SWARM_TBF_LATENCY: the latency setting of every uplink's tbf, in every phase (default 20ms; its
# queue holds that much of C plus the bucket of at least 64 KiB; a deeper queue drops less and
# delays more). The murder phase also prints how many TCP segments were sent again.
# SWARM_MTU: the MTU of every host's link (default 1500; 9000 for a datacenter's jumbo frames: fewer
# headers and acknowledgements on every uplink, and the framed bound below follows it).
# SWARM_LOSS: a share of the packets into every host, seed included, dropped at random (e.g. 0.01:
# 1 %; iptables' statistic match, first in INPUT); the bounds below do not count it. (This kernel has
# no netem for delay.)
#
# Needs root, iproute2, tc, iptables, curl, python3, aria2c, and a built tree (mvn -q package -DskipTests).
# Everything lives in namespaces this script creates (10.213.0.0/24; the bridge in its own
# namespace); nothing touches the root namespace. Every namespace and process it made is removed
# at exit, on failure and on Ctrl-C too.
set -euo pipefail

H=16
C=50mbit
F=128
piece_size=""
skip_single=no
skip_aria=no
skip_agents=no
skip_peers=no
keep_logs=no
work=""
while [ $# -gt 0 ]; do
  case "$1" in
    -H) H=$2; shift 2 ;;
    -C) C=$2; shift 2 ;;
    -F) F=$2; shift 2 ;;
    -P) piece_size=$2; shift 2 ;;
    --skip-single) skip_single=yes; shift ;;
    --skip-aria2c) skip_aria=yes; shift ;;
    --skip-agents) skip_agents=yes; shift ;;
    --skip-peers) skip_peers=yes; shift ;;
    --work) work=$2; shift 2 ;;
    --keep-logs) keep_logs=yes; shift ;;
    -h|--help) sed -n '2,/^set -euo/{/^#/p}' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "swarm.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ $H =~ ^[0-9]+$ ]] && [ "$H" -ge 1 ] && [ "$H" -le 200 ] || { echo "swarm.sh: -H $H (expected: 1 to 200)" >&2; exit 2; }
[[ $F =~ ^[0-9]+$ ]] && [ "$F" -ge 1 ] || { echo "swarm.sh: -F $F (expected: a size in MiB)" >&2; exit 2; }
# C in bits per second, from tc's units
rate_bps=$(python3 - "$C" <<'EOF'
import re, sys
m = re.fullmatch(r"(\d+(?:\.\d+)?)(bit|kbit|mbit|gbit)", sys.argv[1].lower())
if not m:
    sys.exit("swarm.sh: -C %s (expected: a tc rate like 200mbit, 1gbit, 500kbit)" % sys.argv[1])
print(int(float(m.group(1)) * {"bit": 1, "kbit": 1e3, "mbit": 1e6, "gbit": 1e9}[m.group(2)]))
EOF
)
[ "$(id -u)" = 0 ] || { echo "swarm.sh: needs root (network namespaces, tc, iptables)" >&2; exit 1; }
export PATH=$PATH:/usr/sbin:/sbin
for tool in ip tc iptables curl python3 bc; do
  command -v "$tool" >/dev/null || { echo "swarm.sh: missing $tool (apt-get install iproute2 iptables curl python3 bc)" >&2; exit 1; }
done
[ $skip_aria = yes ] || command -v aria2c >/dev/null || { echo "swarm.sh: missing aria2c (apt-get install aria2, or --skip-aria2c)" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd -P)
root=$(cd "$here/.." && pwd -P)
murder="$root/bin/murder"
[ -d "$root/murder/target/murder/lib" ] || { echo "swarm.sh: build first: mvn -q package -DskipTests" >&2; exit 1; }
PY=/usr/bin/python3
[ -x $PY ] || PY=$(command -v python3)

P="msw$$-"                     # every namespace of this run starts with this
BR="${P}br"
SEED="${P}seed"
SEED_IP=10.213.0.2
host_ns() { echo "${P}host-$1"; }
host_ip() { echo "10.213.0.$(( $1 + 10 ))"; }
namespaces=()
if [ -z "$work" ]; then work=$(mktemp -d /tmp/murder-swarm.XXXXXX); else mkdir -p "$work"; work=$(cd "$work" && pwd); fi  # absolute: agents take an absolute --dest-root
export MURDER_JAVA_OPTS=${MURDER_JAVA_OPTS:-"-Xmx256m"}
# more options for every `murder agent` of the deploy phase (e.g. AGENT_OPTS=--no-warm-up: agents as before the warm-up)
AGENT_OPTS=${AGENT_OPTS:-}
# more options for every `murder peer` of the murder phase (e.g. PEER_OPTS=--warm-up: peers that compile their code before
# the seed is up, as agents do; see README, "The swarm benchmark")
PEER_OPTS=${PEER_OPTS:-}
# more options for the origin's `murder seed` of the murder phase (e.g. SEED_OPTS=--verbose: its debug log)
SEED_OPTS=${SEED_OPTS:-}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  for ns in "${namespaces[@]:-}"; do
    [ -n "$ns" ] || continue
    ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null || true
  done
  sleep 1
  for ns in "${namespaces[@]:-}"; do
    [ -n "$ns" ] || continue
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  if [ "$keep_logs" = yes ]; then
    find "$work" -name '*.bin' -delete 2>/dev/null || true
    echo "# logs kept in $work" >&2
  else
    rm -rf "$work"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s.%N; }
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
fmt() { printf '%.1f' "$1"; }

# ---- network: a bridge in its own namespace, one veth per host, uplinks shaped to C
mtu=${SWARM_MTU:-1500}
case "$mtu" in ''|*[!0-9]*) echo "swarm.sh: SWARM_MTU '$mtu' (expected: 576 to 9000)" >&2; exit 2 ;; esac
[ "$mtu" -ge 576 ] && [ "$mtu" -le 9000 ] || { echo "swarm.sh: SWARM_MTU $mtu (expected: 576 to 9000)" >&2; exit 2; }
ip netns add "$BR"; namespaces+=("$BR")
in_ns "$BR" ip link set lo up
in_ns "$BR" ip link add br0 type bridge
in_ns "$BR" ip link set br0 up
# tbf: rate C; bucket of ~4 ms of traffic (at least 64 KiB, so GSO packets pass); latency 20 ms (its queue
# holds that much of C plus the bucket: about 40 ms at 25 Mbit/s), or SWARM_TBF_LATENCY
burst=$(( rate_bps / 8 / 250 )); [ $burst -ge 65536 ] || burst=65536
add_host() { # add_host NS IP INDEX
  local ns=$1 addr=$2 idx=$3
  ip netns add "$ns"; namespaces+=("$ns")
  ip link add eth0 netns "$ns" type veth peer name "p$idx" netns "$BR"
  in_ns "$BR" ip link set "p$idx" mtu "$mtu" master br0 up
  in_ns "$ns" ip link set eth0 mtu "$mtu"
  in_ns "$ns" ip link set lo up
  in_ns "$ns" ip addr add "$addr/24" dev eth0
  in_ns "$ns" ip link set eth0 up
  in_ns "$ns" tc qdisc add dev eth0 root tbf rate "$C" burst "$burst" latency "${SWARM_TBF_LATENCY:-20ms}"
  # default DROP: loopback and established traffic only, then murder's rules
  in_ns "$ns" iptables -w -P INPUT DROP
  in_ns "$ns" iptables -w -A INPUT -i lo -j ACCEPT
  in_ns "$ns" iptables -w -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
  [ -z "${SWARM_LOSS:-}" ] || in_ns "$ns" iptables -w -I INPUT 1 -i eth0 -m statistic --mode random --probability "$SWARM_LOSS" -j DROP
}
add_host "$SEED" "$SEED_IP" 0
for i in $(seq 1 "$H"); do add_host "$(host_ns "$i")" "$(host_ip "$i")" "$i"; done
# murder's rules in every namespace (JVMs two at a time: the machine has few cores)
fw_pids=()
for ns in "$SEED" $(for i in $(seq 1 "$H"); do host_ns "$i"; done); do
  zk_rule=(); [ "$ns" != "$SEED" ] || zk_rule=(--zk-port 2181)   # the deploy phase's ZooKeeper
  in_ns "$ns" "$murder" firewall --apply --port-range 6881-6889 --tracker-port 8998 "${zk_rule[@]}" --source 10.213.0.0/24 \
    > "$work/firewall-$ns.log" 2>&1 &
  fw_pids+=($!)
  if [ ${#fw_pids[@]} -ge 2 ]; then wait "${fw_pids[@]}" || true; fw_pids=(); fi
done
[ ${#fw_pids[@]} -eq 0 ] || wait "${fw_pids[@]}" || true
for ns in "$SEED" $(for i in $(seq 1 "$H"); do host_ns "$i"; done); do
  grep -q "^applied" "$work/firewall-$ns.log" || { echo "swarm.sh: murder firewall --apply failed in $ns:" >&2; cat "$work/firewall-$ns.log" >&2; exit 1; }
done
# the HTTP source of the single-source phase needs its port too (not murder's business)
in_ns "$SEED" iptables -w -A INPUT -p tcp --dport 8000 -j ACCEPT

# ---- the release
mkdir -p "$work/src"
head -c $(( F * 1024 * 1024 )) /dev/urandom > "$work/src/release.bin"
"$murder" make-torrent "$work/src/release.bin" --tracker "http://$SEED_IP:8998/announce" --out "$work/release.torrent" \
  ${piece_size:+--piece-size "$piece_size"} > "$work/make-torrent.log"
pieces=$(grep -o 'in [0-9]* pieces of [0-9.]* [KMG]iB' "$work/make-torrent.log" || true)
bound=$(echo "$F * 1048576 * 8 / $rate_bps" | bc -l)
# tbf counts whole frames: a full TCP segment at MTU 1500 carries 1448 bytes of data (timestamps on) in
# 1514 (IP, TCP and Ethernet headers), so no transfer beats F/C x 1514/1448 (the single-source phase
# reaches 0.95 x C of data); at MTU M, (M + 14) / (M - 52)
framed=$(echo "$bound * ($mtu + 14) / ($mtu - 52)" | bc -l)
echo "# swarm: H=$H hosts + 1 seed, uplinks C=$C (tbf, latency ${SWARM_TBF_LATENCY:-20ms}, MTU $mtu${SWARM_LOSS:+, loss $SWARM_LOSS into each host}), F=$F MiB ($pieces), $(nproc) cores, MURDER_JAVA_OPTS=$MURDER_JAVA_OPTS"
echo "# $("$murder" --version | head -1); $(curl --version | head -1 | cut -d' ' -f1-2); $(aria2c --version 2>/dev/null | head -1 || echo 'no aria2c')"

wait_until() { # wait_until SECONDS WHAT CMD...
  local limit=$1 what=$2; shift 2
  local deadline; deadline=$(echo "$(now) + $limit" | bc)
  until "$@"; do
    if [ "$(echo "$(now) > $deadline" | bc)" = 1 ]; then echo "swarm.sh: timed out after ${limit}s waiting for $what" >&2; return 1; fi
    sleep 0.1
  done
}
all_done() { local n=0; for i in $(seq 1 "$H"); do [ -f "$work/host-$i/.done" ] && n=$((n + 1)); done; [ $n -eq "$H" ]; }
# the last host's time, the first host's, from $1 (the start)
times_from() {
  local t0=$1 first="" last=""
  for i in $(seq 1 "$H"); do
    local t; t=$(echo "$(cat "$work/host-$i/.done") - $t0" | bc -l)
    if [ -z "$first" ] || [ "$(echo "$t < $first" | bc)" = 1 ]; then first=$t; fi
    if [ -z "$last" ] || [ "$(echo "$t > $last" | bc)" = 1 ]; then last=$t; fi
  done
  echo "$first $last"
}
limit=$(echo "$bound * $H * 3 + 120" | bc)   # generous: three times the single-source time

# ---- tracker (stays up for the murder and aria2c phases)
in_ns "$SEED" "$murder" tracker --bind "$SEED_IP" --port 8998 --open --interval 2s > "$work/tracker.log" 2>&1 &
wait_until 60 "the tracker" grep -q "tracker listening on" "$work/tracker.log"

start_seed() { # start_seed LOG: our seed; sets seed_ready (the time it verified the file and listens)
  local log=$1
  seed_started=$(now)
  ( in_ns "$SEED" "$murder" seed "$work/release.torrent" "$work/src/release.bin" --port-range 6881-6889 \
      --bind "$SEED_IP" --ip "$SEED_IP" $SEED_OPTS 2>&1 | while IFS= read -r line; do
        case "$line" in seeding*) now > "$work/seed.ready.tmp" && mv "$work/seed.ready.tmp" "$work/seed.ready" ;; esac
        printf '%s\n' "$line"
      done ) > "$log" &
  wait_until 120 "the seed" test -f "$work/seed.ready"
  seed_ready=$(cat "$work/seed.ready")
  rm -f "$work/seed.ready"
}
stop_seed() { # stops our seed and waits (at most 10 s) until it has exited and logged what it uploaded
  local pids p seed=""; pids=$(ip netns pids "$SEED" 2>/dev/null || true)
  for p in $pids; do
    if tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | grep -q "org.murder.cli.Murder seed"; then kill "$p" 2>/dev/null || true; seed=$p; fi
  done
  [ -z "$seed" ] || wait_until 10 "the seed to stop" bash -c "! kill -0 $seed 2>/dev/null" || true
  sleep 0.2   # its log's reader writes the last line
}
# what the seed uploaded, as a multiple of F (1.00: every byte once; the seed's uplink is the bottleneck)
seed_upload() { # seed_upload LOG
  local up; up=$(grep -o 'stopped   uploaded .*' "$1" | awk '{print $3, $4}' | tail -1)
  [ -n "$up" ] || return 0
  python3 - "$up" "$F" <<'PYEOF'
import sys
n, unit = sys.argv[1].split()[0], sys.argv[1].split()[1] if len(sys.argv[1].split()) > 1 else "B"
mib = float(n) * {"B": 1 / 1048576, "KiB": 1 / 1024, "MiB": 1, "GiB": 1024}.get(unit, 1)
print("#        the seed uploaded %.1f MiB = %.2f x F" % (mib, mib / float(sys.argv[2])))
PYEOF
}
stop_hosts() {
  for i in $(seq 1 "$H"); do ip netns pids "$(host_ns "$i")" 2>/dev/null | xargs -r kill 2>/dev/null || true; done
  sleep 1
  for i in $(seq 1 "$H"); do ip netns pids "$(host_ns "$i")" 2>/dev/null | xargs -r kill -9 2>/dev/null || true; done
}
# CPU seconds (user+sys) used so far by every process in the host namespaces
hosts_cpu() {
  local ticks=0
  for i in $(seq 1 "$H"); do
    for p in $(ip netns pids "$(host_ns "$i")" 2>/dev/null); do
      local t; t=$(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)
      ticks=$((ticks + t))
    done
  done
  echo "$ticks / $(getconf CLK_TCK)" | bc -l
}
# the whole machine's busy and total CPU ticks (every namespace, the kernel's softirq work on the bridge too)
machine_cpu() { awk '/^cpu /{busy=$2+$3+$4+$7+$8+$9; printf "%.0f %.0f\n", busy, busy+$5+$6}' /proc/stat; }
machine_report() { # machine_report "BUSY0 TOTAL0" "BUSY1 TOTAL1"
  local b0 t0 b1 t1; read -r b0 t0 <<< "$1"; read -r b1 t1 <<< "$2"
  [ "$t1" -gt "$t0" ] || return 0
  printf '#        the machine was %.0f %% busy (%s cores) from the seed ready to the last host%s\n' \
    "$(echo "100 * ($b1 - $b0) / ($t1 - $t0)" | bc -l)" "$(nproc)" \
    "$([ "$(echo "($b1 - $b0) * 100 / ($t1 - $t0) > 90" | bc -l)" = 1 ] && echo ': CPU-bound, the links did not set the time' || true)"
}
fresh_dirs() { for i in $(seq 1 "$H"); do rm -rf "$work/host-$i"; mkdir -p "$work/host-$i"; done; }
# TCP segments sent and sent again in the seed's and the hosts' namespaces together (/proc/net/snmp is per
# namespace): "OUT RETRANS"
tcp_segments() {
  for ns in "$SEED" $(for i in $(seq 1 "$H"); do host_ns "$i"; done); do
    ip netns exec "$ns" awk '$1 == "Tcp:" && !n {for (i = 2; i <= NF; i++) k[i] = $i; n = 1; next}
      $1 == "Tcp:" && n {for (i = 2; i <= NF; i++) if (k[i] == "OutSegs") o = $i; else if (k[i] == "RetransSegs") r = $i; print o, r}' /proc/net/snmp
  done | awk '{o += $1; r += $2} END {printf "%d %d\n", o, r}'
}
# what every uplink's shaper sent and dropped (seed and hosts together): "BYTES PACKETS DROPPED" (tbf counts
# each GSO segment with its headers, so BYTES is what the wire carried, resends included)
tbf_counts() {
  for ns in "$SEED" $(for i in $(seq 1 "$H"); do host_ns "$i"; done); do
    ip netns exec "$ns" tc -s qdisc show dev eth0 | awk '/Sent/ {d = $7; sub(",", "", d); print $2, $4, d; exit}'
  done | awk '{b += $1; p += $2; d += $3} END {printf "%d %d %d\n", b, p, d}'
}

md5_ok() {
  local want; want=$(cut -d' ' -f1 "$work/release.md5")
  for i in $(seq 1 "$H"); do
    local got; got=$(md5sum "$work/host-$i/release.bin" | cut -d' ' -f1)
    [ "$got" = "$want" ] || { echo "swarm.sh: host-$i has md5 $got (expected: $want)" >&2; return 1; }
  done
}

# ---- phase 1: murder peers
if [ $skip_peers = no ]; then
fresh_dirs
for i in $(seq 1 "$H"); do
  ( in_ns "$(host_ns "$i")" "$murder" peer "$work/release.torrent" "$work/host-$i" --port-range 6881-6889 \
      --seed-time 30m --stall-timeout 30m --ip "$(host_ip "$i")" --json-status "$work/host-$i.status.json" $PEER_OPTS 2>&1 \
      | while IFS= read -r line; do
          case "$line" in done*) now > "$work/host-$i/.done.tmp" && mv "$work/host-$i/.done.tmp" "$work/host-$i/.done" ;; esac
          printf '%s\n' "$line"
        done ) > "$work/peer-$i.log" &
done
# every peer has announced (its JVM is up and waiting) before the seed starts
wait_until 180 "the peers to announce" bash -c "for i in \$(seq 1 $H); do grep -q '\"state\"' '$work/host-'\$i'.status.json' 2>/dev/null || exit 1; done"
sleep 2
m_cpu0=$(hosts_cpu)   # JVM start and waiting
# every uplink, sampled where it enters the bridge, and the machine's CPU: when did the origin send its
# last data, and how busy were the hosts' uplinks before and after it?
ip netns exec "$BR" "$PY" "$here/uplink_sampler.py" "$work/origin-tx.log" \
  $(for i in $(seq 0 "$H"); do echo "/sys/class/net/p$i/statistics/rx_bytes"; done) &
sampler=$!
read -r tcp_out0 tcp_re0 < <(tcp_segments)
read -r tbf_b0 tbf_p0 tbf_d0 < <(tbf_counts)
start_seed "$work/seed-murder.log"
machine0=$(machine_cpu)
wait_until "$limit" "every murder peer" all_done
machine1=$(machine_cpu)
read -r tcp_out1 tcp_re1 < <(tcp_segments)
read -r tbf_b1 tbf_p1 tbf_d1 < <(tbf_counts)
kill "$sampler" 2>/dev/null || true
read -r m_first m_last < <(times_from "$seed_ready")
m_from_start=$(echo "$m_last + $seed_ready - $seed_started" | bc -l)
md5_ok
m_cpu=$(hosts_cpu)
stop_hosts
stop_seed
m_ratio=$(echo "$m_last / $bound" | bc -l)
printf '%-8s last host %6s s  first %6s s  F/C %6s s  ratio %5s  (from seed launch %s s; target ratio <= 1.15)\n' \
  murder "$(fmt "$m_last")" "$(fmt "$m_first")" "$(fmt "$bound")" "$(printf '%.2f' "$m_ratio")" "$(fmt "$m_from_start")"
printf '#        %.2f x the bound with TCP/IP framing (%.1f s)\n' "$(echo "$m_last / $framed" | bc -l)" "$framed"
printf '#        leechers used %.1f CPU s (user+sys) from the seed ready to the last host, %.1f s per GiB received (+ %.1f s to start %s JVMs)\n' \
  "$(echo "$m_cpu - $m_cpu0" | bc -l)" "$(echo "($m_cpu - $m_cpu0) / ($H * $F / 1024)" | bc -l)" "$m_cpu0" "$H"
machine_report "$machine0" "$machine1"
upload_line=$(grep -h "^stopped" "$work"/peer-*.log 2>/dev/null | awk '{print $3 $4}' | paste -sd' ' || true)
[ -z "$upload_line" ] || echo "#        uploaded by each host: $upload_line"
seed_upload "$work/seed-murder.log"
printf '#        TCP sent %d segments again (%.1f %% of %d; the shapers drop what their queues cannot hold, and the wire figures below count the resends)\n' \
  "$((tcp_re1 - tcp_re0))" "$(echo "100 * ($tcp_re1 - $tcp_re0) / ($tcp_out1 - $tcp_out0 + 1)" | bc -l)" "$((tcp_out1 - tcp_out0))"
printf '#        the shapers sent %.1f MiB in %d packets (%.3f x the %d MiB delivered) and dropped %d packets\n' \
  "$(echo "($tbf_b1 - $tbf_b0) / 1048576" | bc -l)" "$((tbf_p1 - tbf_p0))" "$(echo "($tbf_b1 - $tbf_b0) / ($H * $F * 1048576)" | bc -l)" \
  "$((H * F))" "$((tbf_d1 - tbf_d0))"
"$PY" "$here/uplink_sampler.py" --report "$work/origin-tx.log" "$seed_ready" "$m_last" "$rate_bps" || true
fi

# ---- phase 2: single source (python3 http.server, H concurrent curl)
if [ $skip_single = no ]; then
  fresh_dirs
  in_ns "$SEED" $PY -m http.server 8000 --bind "$SEED_IP" --directory "$work/src" > "$work/http.log" 2>&1 &
  wait_until 30 "the HTTP server" in_ns "$(host_ns 1)" curl -sfI "http://$SEED_IP:8000/release.bin" -o /dev/null
  s_start=$(now)
  for i in $(seq 1 "$H"); do
    ( in_ns "$(host_ns "$i")" curl -sf -o "$work/host-$i/release.bin" "http://$SEED_IP:8000/release.bin" \
        && now > "$work/host-$i/.done.tmp" && mv "$work/host-$i/.done.tmp" "$work/host-$i/.done" ) &
  done
  wait_until "$limit" "every curl" all_done
  read -r s_first s_last < <(times_from "$s_start")
  md5_ok
  for p in $(ip netns pids "$SEED"); do
    tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | grep -q "http.server" && kill "$p" 2>/dev/null || true
  done
  printf '%-8s last host %6s s  first %6s s  H*F/C %6s s  (one source, %s concurrent curl)\n' \
    single "$(fmt "$s_last")" "$(fmt "$s_first")" "$(fmt "$(echo "$bound * $H" | bc -l)")" "$H"
  if [ $skip_peers = no ]; then
    speedup=$(echo "$s_last / $m_last" | bc -l)
    printf '%-8s %.2fx faster than one source  (target >= 0.85*H = %.2f)\n' speedup "$speedup" "$(echo "0.85 * $H" | bc -l)"
  fi
fi

# ---- phase 3: aria2c leechers, our tracker and seed
if [ $skip_aria = no ]; then
  fresh_dirs
  cat > "$work/aria-done.sh" <<'EOF'
#!/bin/sh
# aria2c --on-bt-download-complete: GID FILES PATH
# written aside and renamed, so that a reader never sees it empty
date +%s.%N > "$(dirname "$3")/.done.tmp" && mv "$(dirname "$3")/.done.tmp" "$(dirname "$3")/.done"
EOF
  chmod 755 "$work/aria-done.sh"
  for i in $(seq 1 "$H"); do
    in_ns "$(host_ns "$i")" aria2c --dir="$work/host-$i" --seed-time=30 --seed-ratio=0.0 --listen-port=6881-6889 \
      --enable-dht=false --enable-dht6=false --bt-enable-lpd=false --enable-peer-exchange=false --bt-tracker-interval=2 \
      --file-allocation=none --bt-max-peers=0 --summary-interval=0 --console-log-level=warn --allow-overwrite=true \
      --on-bt-download-complete="$work/aria-done.sh" "$work/release.torrent" > "$work/aria2c-$i.log" 2>&1 &
  done
  sleep 3
  a_cpu0=$(hosts_cpu)
  start_seed "$work/seed-aria2c.log"
  wait_until "$limit" "every aria2c" all_done
  read -r a_first a_last < <(times_from "$seed_ready")
  md5_ok
  a_cpu=$(hosts_cpu)
  stop_hosts
  stop_seed
  printf '%-8s last host %6s s  first %6s s  F/C %6s s  ratio %5s  (aria2c leechers, murder seed and tracker)\n' \
    aria2c "$(fmt "$a_last")" "$(fmt "$a_first")" "$(fmt "$bound")" "$(printf '%.2f' "$(echo "$a_last / $bound" | bc -l)")"
  printf '#        leechers used %.1f CPU s (user+sys) from the seed ready to the last host, %.1f s per GiB received\n' \
    "$(echo "$a_cpu - $a_cpu0" | bc -l)" "$(echo "($a_cpu - $a_cpu0) / ($H * $F / 1024)" | bc -l)"
  seed_upload "$work/seed-aria2c.log"
fi

# ---- phase 4: murder deploy to H agents, twice (cold agents, then warm)
if [ $skip_agents = no ]; then
  fresh_dirs
  # the standalone tracker makes way for the deploy's embedded one (same port, same firewall rule)
  for p in $(ip netns pids "$SEED"); do
    tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | grep -q "org.murder.cli.Murder tracker" && kill "$p" 2>/dev/null || true
  done
  head -c 24 /dev/urandom | base64 > "$work/secret"; chmod 600 "$work/secret"
  for r in 1 2; do   # two releases of F MiB: a tar of random bytes, gzipped (ready archives, packed before the clock)
    mkdir -p "$work/rel-$r"; head -c $(( F * 1024 * 1024 )) /dev/urandom > "$work/rel-$r/app.bin"
    tar -C "$work/rel-$r" -cf - app.bin | gzip -1 > "$work/rel-$r.tar.gz"; rm -rf "$work/rel-$r"
  done
  in_ns "$SEED" "$murder" zookeeper --bind "$SEED_IP" --port 2181 --data-dir "$work/zk" > "$work/zk.log" 2>&1 &
  wait_until 60 "ZooKeeper" grep -q "zookeeper listening" "$work/zk.log"
  for i in $(seq 1 "$H"); do
    in_ns "$(host_ns "$i")" "$murder" agent --name "host-$i" --zk "$SEED_IP:2181" --secret-file "$work/secret" \
      --dest-root "$work/host-$i" --port-range 6881-6889 --ip "$(host_ip "$i")" $AGENT_OPTS > "$work/agent-$i.log" 2>&1 &
  done
  wait_until 180 "the agents to register" bash -c "for i in \$(seq 1 $H); do grep -q 'registered' '$work/agent-'\$i'.log' || exit 1; done"
  sleep 2
  for r in 1 2; do
    rm -f "$work/deploy-$r.done"
    d_cpu0=$(hosts_cpu)
    d_start=$(now)
    in_ns "$SEED" "$murder" deploy "$work/rel-$r.tar.gz" --tag "v$r" --hosts 'host-*' --zk "$SEED_IP:2181" \
      --secret-file "$work/secret" --advertise "$SEED_IP" --tracker-port 8998 --seeder-ports 6881-6889 \
      --seed-time 5s --grace 0s --timeout "${limit%.*}s" --work-dir "$work/deploy-$r" 2>&1 \
      | while IFS= read -r line; do
          case "$line" in
            *"all $H hosts done"*) now > "$work/deploy-$r.done.tmp" && mv "$work/deploy-$r.done.tmp" "$work/deploy-$r.done" ;;
            job*published*) now > "$work/deploy-$r.published" ;;
          esac
          printf '%s\n' "$line"
        done > "$work/deploy-$r.log" || true   # judged by its "all hosts done" line, below
    [ -f "$work/deploy-$r.done" ] || { echo "swarm.sh: murder deploy v$r failed:" >&2; tail -25 "$work/deploy-$r.log" >&2; exit 1; }
    d_cpu=$(hosts_cpu)
    d_last=$(echo "$(cat "$work/deploy-$r.done") - $d_start" | bc -l)
    slowest=$(grep -o 'slowest [0-9.]* s' "$work/deploy-$r.log" | awk '{print $2}')
    want=$(md5sum < "$work/rel-$r.tar.gz" | cut -d' ' -f1)
    for i in $(seq 1 "$H"); do
      got_file=$(find "$work/host-$i" -name "rel-$r.tar.gz" -type f | head -1)
      [ -n "$got_file" ] && [ "$(md5sum < "$got_file" | cut -d' ' -f1)" = "$want" ] \
        || { echo "swarm.sh: host-$i has no good rel-$r.tar.gz after deploy v$r" >&2; exit 1; }
    done
    a_size=$(stat -c %s "$work/rel-$r.tar.gz")
    d_bound=$(echo "$a_size * 8 / $rate_bps" | bc -l)
    label=$([ "$r" = 1 ] && echo "cold agents" || echo "warm agents")
    printf '%-8s last host %6s s  slowest agent %6s s  F/C %6s s  ratio %5s  (murder deploy v%s, %s; from launch)\n' \
      deploy "$(fmt "$d_last")" "$slowest" "$(fmt "$d_bound")" "$(printf '%.2f' "$(echo "$d_last / $d_bound" | bc -l)")" "$r" "$label"
    [ ! -f "$work/deploy-$r.published" ] || printf '#        job published %.2f s after the launch (JVM, ZooKeeper, md5 and piece hashes, tracker and seeder)\n' \
      "$(echo "$(cat "$work/deploy-$r.published") - $d_start" | bc -l)"
    printf '#        agents used %.1f CPU s (user+sys), %.1f s per GiB received\n' \
      "$(echo "$d_cpu - $d_cpu0" | bc -l)" "$(echo "($d_cpu - $d_cpu0) / ($H * $a_size / 1073741824)" | bc -l)"
    sleep 7   # the hosts' 5 s of seeding ends before the next deploy
  done
fi
