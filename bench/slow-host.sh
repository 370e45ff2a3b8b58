#!/usr/bin/env bash
# A slow host among normal ones: does it slow the others?
#   bench/slow-host.sh [SIZE_MIB=64] [ORIGIN_UP=20MB/s] [NORMAL=3] [SLOW_RATE=1MB/s] [ROUNDS=3]
#   (MURDER=path/bin/murder to try another build)
# Each round, on 127.0.0.1, two phases, each with a fresh origin seed (--max-up ORIGIN_UP):
#   clean: NORMAL peers start together;
#   slow:  one peer limited to SLOW_RATE both ways (--max-up, --max-down: a degraded link) starts
#          first, so it is among the origin's first peers, and the NORMAL peers 0.5 s later.
# Peers exit on completion (--seed-time 0s); the slow one is stopped when the normal ones are done.
# Prints the normal peers' slowest time (process start to exit) in each phase and their ratio,
# slow/clean: 1.0 means the slow host held nobody up. The bound F/ORIGIN_UP is printed for scale.
set -euo pipefail
size=${1:-64}
up=${2:-20MB/s}
normal=${3:-3}
slow_rate=${4:-1MB/s}
rounds=${5:-3}
here=$(cd "$(dirname "$0")" && pwd -P)
root=$(cd "$here/.." && pwd -P)
murder=${MURDER:-"$root/murder/target/murder/bin/murder"}
[ -x "$murder" ] || { echo "build first: mvn -q install -DskipTests" >&2; exit 1; }
case "$normal" in ''|*[!0-9]*) echo "NORMAL: $normal (expected: a number of peers, 1-8)" >&2; exit 2;; esac
[ "$normal" -ge 1 ] && [ "$normal" -le 8 ] || { echo "NORMAL: $normal (expected: 1-8)" >&2; exit 2; }
work=$(mktemp -d /tmp/murder-bench-slow.XXXXXX)
. "$here/lib.sh"

start_open_tracker
make_random_release "$size"

seed_pid=
start_seed() {
  local port; port=$(free_port)
  "$murder" seed --bind 127.0.0.1 --port-range "$port-$port" --max-up "$up" "$work/release.torrent" "$work/seed/release.bin" \
    > "$work/seed.log" 2>&1 &
  seed_pid=$!
  pids+=("$seed_pid")
  wait_for 60 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port"
}
stop_seed() {
  kill "$seed_pid" 2>/dev/null || true
  wait "$seed_pid" 2>/dev/null || true
}

# normals PREFIX: the NORMAL peers, together; prints their slowest time
normals() {
  local ps=() i
  for i in $(seq 1 "$normal"); do timed_peer "$1$i" & ps+=($!); done
  for p in "${ps[@]}"; do wait "$p"; done
  python3 -c "import sys; print(max(float(open(f).read()) for f in sys.argv[1:]))" $(for i in $(seq 1 "$normal"); do echo "$work/$1$i.s"; done)
}

echo "# slow host: F=$size MiB, origin --max-up $up, $normal normal peers, one at $slow_rate both ways; $(nproc) cores"
printf '%-6s %10s %10s %10s\n' round clean with-slow 'slow/clean'
worst=0
for r in $(seq 1 "$rounds"); do
  start_seed
  clean=$(normals n)
  stop_seed
  start_seed
  timed_peer slow --max-up "$slow_rate" --max-down "$slow_rate" > /dev/null 2>&1 & slow_pid=$!
  pids+=("$slow_pid")
  sleep 0.5
  with=$(normals m)
  pkill -P "$slow_pid" 2>/dev/null || true; kill "$slow_pid" 2>/dev/null || true; wait "$slow_pid" 2>/dev/null || true
  stop_seed
  ratio=$(python3 -c "print(f'{$with / $clean:.2f}')")
  worst=$(python3 -c "print(max($worst, $ratio))")
  printf '%-6s %10.2f %10.2f %10s\n' "$r" "$clean" "$with" "$ratio"
done
bound=$(rate_bound "$size" "$up")
echo "# bound F/up: $bound; the worst round: the normal peers took $worst x their time without the slow host (1.0: held up by nothing)"
