#!/usr/bin/env bash
# Late joiners: hosts that start after others finished and left (a deploy re-run for the hosts that
# were down, `murder seed` serving hosts one after another).
#   bench/late-joiners.sh [SIZE_MIB=64] [ORIGIN_UP=20MB/s] [ROUNDS=3]   (MURDER=path/bin/murder to try another build)
# Each round, on 127.0.0.1: one origin seed (--max-up ORIGIN_UP), two peers download together and
# exit on completion (--seed-time 0s); a second later two fresh peers start, 2 s apart. Every pair
# after round 1's first one arrives after others left. Prints each peer's time (process start to
# exit) and each pair's slower time against round 1's first pair (a fresh origin, same run): the
# origin holds back what it sent whole to a peer that went (FirstCopy), which must not keep a fresh
# peer waiting once that peer is out of the swarm. The bound F/ORIGIN_UP is printed for scale.
set -euo pipefail
size=${1:-64}
up=${2:-20MB/s}
rounds=${3:-3}
here=$(cd "$(dirname "$0")" && pwd -P)
root=$(cd "$here/.." && pwd -P)
murder=${MURDER:-"$root/murder/target/murder/bin/murder"}
[ -x "$murder" ] || { echo "build first: mvn -q install -DskipTests" >&2; exit 1; }
work=$(mktemp -d /tmp/murder-bench-late.XXXXXX)
. "$here/lib.sh"

start_open_tracker
make_random_release "$size"
sport=$(free_port)
"$murder" seed --bind 127.0.0.1 --port-range "$sport-$sport" --max-up "$up" "$work/release.torrent" "$work/seed/release.bin" \
  > "$work/seed.log" 2>&1 &
pids+=($!)
wait_for 60 bash -c "exec 3<>/dev/tcp/127.0.0.1/$sport"

echo "# late joiners: F=$size MiB, origin --max-up $up, $(nproc) cores; times from process start to exit (JVM start included)"
printf '%-6s %8s %8s %8s %8s %12s %12s\n' round first-a first-b late-a late-b 'first/fresh' 'late/fresh'
fresh=
worst=0
for r in $(seq 1 "$rounds"); do
  timed_peer a & pa=$!; timed_peer b & pb=$!
  wait $pa; wait $pb
  sleep 1
  timed_peer c & pc=$!; sleep 2; timed_peer d & pd=$!
  wait $pc; wait $pd
  read -r a < "$work/a.s"; read -r b < "$work/b.s"; read -r c < "$work/c.s"; read -r d < "$work/d.s"
  [ -n "$fresh" ] || fresh=$(python3 -c "print(max($a, $b))")
  first=$(python3 -c "print(f'{max($a, $b) / $fresh:.2f}')")
  late=$(python3 -c "print(f'{max($c, $d) / $fresh:.2f}')")
  worst=$(python3 -c "print(max($worst, $late, $first if $r > 1 else 0))")
  printf '%-6s %8.2f %8.2f %8.2f %8.2f %12s %12s\n' "$r" "$a" "$b" "$c" "$d" "$first" "$late"
done
bound=$(rate_bound "$size" "$up")
echo "# bound F/up for one peer: $bound; the worst pair after others left: $worst x round 1's first pair (1.0: nothing held back)"
