#!/usr/bin/env bash
# Tracker benchmark: announces per second and p99 latency of murder's tracker and of
# opentracker on this machine, same load tool (wrk + bench/tracker-announce.lua), same request
# stream (1000 whitelisted swarms, 20000 distinct peers, numwant=50, compact), same run.
#
# usage: bench/tracker.sh            (after: mvn -o verify -pl tracker,murder -am)
# env:   DURATION=10 (seconds measured per target and mode, split over ROUNDS), ROUNDS=2, WARMUP=5,
#        CONNECTIONS=64, WRK_THREADS=1, TRACKER_THREADS=1, MODES="close keepalive"
# Both trackers run together; rounds alternate between them so load from anything else on the
# machine hits both alike; the figure per target is the median round (the better of two).
# opentracker serves from one network thread; ours gets one I/O thread too (TRACKER_THREADS).
# Two modes: "close" sends Connection: close, one TCP connection per announce; opentracker
# always works this way (it closes after every answer), so that is the like-for-like ratio.
# "keepalive" reuses connections where the tracker allows it (ours does, as real clients use).
# Everything listens on 127.0.0.1 only and stops by itself.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd -P)
root=$(cd "$here/.." && pwd -P)
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-2}
WARMUP=${WARMUP:-5}
CONNECTIONS=${CONNECTIONS:-64}
WRK_THREADS=${WRK_THREADS:-1}
TRACKER_THREADS=${TRACKER_THREADS:-1}
MODES=${MODES:-"close keepalive"}
SWARMS=1000

for tool in wrk opentracker curl python3; do
  command -v "$tool" >/dev/null || { echo "bench/tracker.sh: $tool is not installed (apt-get install $tool)" >&2; exit 1; }
done
[ -d "$root/murder/target/murder/lib" ] || {
  echo "bench/tracker.sh: build first: mvn -o verify -pl tracker,murder -am (or mvn package -DskipTests)" >&2; exit 1; }

work=$(mktemp -d /tmp/murder-bench-tracker.XXXXXX)
chmod 755 "$work"   # opentracker, started as root, drops to user nobody, which must read its whitelist here
. "$(dirname "$0")/lib.sh"   # cleanup at exit, free_port, wait_for
wait_port() {
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "bench/tracker.sh: nothing listens on 127.0.0.1:$1" >&2; return 1
}

# 1000 swarm infohashes, whitelisted on both trackers
python3 -c "import hashlib
for i in range($SWARMS): print(hashlib.sha1(b'murder-bench-%d' % i).hexdigest())" > "$work/hashes"

# ---- ours ----
ours_port=$(free_port)
"$root/bin/murder" tracker --bind 127.0.0.1 --port "$ours_port" --threads "$TRACKER_THREADS" --max-connections 100000 \
  > "$work/ours.log" 2>&1 &
pids+=($!)
ours_pid=$!
wait_port "$ours_port"
sed "s#^#url = \"http://127.0.0.1:$ours_port/whitelist/#; s#\$#\"#" "$work/hashes" > "$work/register.curl"
curl -sf -X POST -K "$work/register.curl" > /dev/null
ours_url="http://127.0.0.1:$ours_port"

# ---- opentracker: fresh config in the temp dir (it chroots there, so paths are inside it) ----
ot_port=$(free_port)
cp "$work/hashes" "$work/whitelist"
chmod 644 "$work/whitelist"
cat > "$work/opentracker.conf" <<CONF
listen.tcp 127.0.0.1:$ot_port
listen.udp 127.0.0.1:$ot_port
tracker.rootdir $work
access.whitelist /whitelist
CONF
opentracker -f "$work/opentracker.conf" > "$work/opentracker.log" 2>&1 &
pids+=($!)
wait_port "$ot_port"
ot_url="http://127.0.0.1:$ot_port"
sleep 1   # opentracker loads its whitelist in a thread

check() {  # one real announce must be answered with a peer list, not a failure
  local ih; ih=$(head -1 "$work/hashes" | sed 's/../%&/g')
  local body; body=$(curl -s "$1/announce?info_hash=$ih&peer_id=-CHECK0-000000000000&port=6881&left=0&compact=1" | tr -d '\0')
  case "$body" in *8:interval*) ;; *) echo "bench/tracker.sh: $2 refused the check announce: $body" >&2; exit 1;; esac
}
check "$ours_url" murder
check "$ot_url" opentracker

to_ms() {  # wrk latency like 812.00us, 1.20ms, 1.01s -> milliseconds
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'
}

round_seconds=$(( (DURATION + ROUNDS - 1) / ROUNDS ))
wrk_run() {  # wrk_run URL MODE SECONDS OUT
  wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${3}s" --latency -s "$here/tracker-announce.lua" "$1" -- "$work/hashes" "$2" > "$4" 2>&1
}
summary() {  # summary WRK_OUTPUT -> "rps p99ms"
  local rps p99
  rps=$(awk '/^Requests\/sec:/ { print $2 }' "$1")
  p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$1")")
  echo "$rps $p99"
}
median() {  # median of "rps p99" lines by rps (upper median: the better of two)
  sort -n -k1,1 | awk '{ a[NR] = $0 } END { print a[int(NR / 2) + 1] }'
}

echo "tracker benchmark: wrk -t$WRK_THREADS -c$CONNECTIONS, ${WARMUP}s warm-up per target and mode, then $ROUNDS alternating"
echo "rounds of ${round_seconds}s each; $SWARMS whitelisted swarms, 10000 distinct announces per wrk thread, numwant=50,"
echo "compact; murder with $TRACKER_THREADS I/O thread(s); $(nproc) cores, load average $(cut -d' ' -f1 /proc/loadavg) before the run"
printf '%-10s %-12s %12s %10s   %s\n' mode tracker "announces/s" "p99 ms" "rounds (announces/s)"
for mode in $MODES; do
  wrk_run "$ours_url" "$mode" "$WARMUP" /dev/null || true
  wrk_run "$ot_url" "$mode" "$WARMUP" /dev/null || true
  : > "$work/ours-$mode"; : > "$work/ot-$mode"
  for r in $(seq 1 "$ROUNDS"); do
    wrk_run "$ours_url" "$mode" "$round_seconds" "$work/wrk-ours-$mode-$r.txt"
    summary "$work/wrk-ours-$mode-$r.txt" >> "$work/ours-$mode"
    wrk_run "$ot_url" "$mode" "$round_seconds" "$work/wrk-ot-$mode-$r.txt"
    summary "$work/wrk-ot-$mode-$r.txt" >> "$work/ot-$mode"
  done
  read -r o_rps o_p99 <<< "$(median < "$work/ours-$mode")"
  read -r t_rps t_p99 <<< "$(median < "$work/ot-$mode")"
  printf '%-10s %-12s %12.0f %10s   %s\n' "$mode" murder "$o_rps" "$o_p99" "$(awk '{ printf "%.0f ", $1 }' "$work/ours-$mode")"
  printf '%-10s %-12s %12.0f %10s   %s\n' "$mode" opentracker "$t_rps" "$t_p99" "$(awk '{ printf "%.0f ", $1 }' "$work/ot-$mode")"
  awk -v a="$o_rps" -v b="$t_rps" -v m="$mode" 'BEGIN { printf "%-10s ratio murder/opentracker: %.2fx announces/s\n", m, a / b }'
  grep -h "Non-2xx" "$work"/wrk-ours-"$mode"-*.txt | sed "s/^/$mode murder: /" || true
done
echo "(opentracker closes the connection after every answer, keep-alive or not; wrk counts those closes as read errors)"
kill "$ours_pid" 2>/dev/null || true
