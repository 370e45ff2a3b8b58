#!/usr/bin/env bash
# Loopback transfer benchmark: one seed -> 1 peer and one seed -> 4 peers, separate processes,
# ours (murder seed / murder peer) against libtorrent 2.0 (python3-libtorrent) and aria2c, same
# file, same tracker (ours, --open, on 127.0.0.1), same run.
#
# usage: bench/loopback.sh [SIZE_MIB=1024] [CLIENTS="murder libtorrent aria2c"] [PEERS="1 4"]
# CLIENTS may also name murder-no-md5: murder peers given the torrent without the .md5 beside it,
# so they check every piece's SHA-1 but not the whole file's md5 (what libtorrent and aria2c do;
# murder as deployed does both).
# Prints per scenario: wall seconds until every leecher is done, MB/s per leecher, leecher CPU
# seconds (user+sys) per GiB received, the largest leecher RSS, and ratios against libtorrent.
# Targets (shared/DESIGN.md): 1 GiB 1->1 <= 6 s, 1->4 <= 11 s, <= 3 CPU s per GiB, RSS <= 256 MiB.
# Everything listens on 127.0.0.1 and every wait is bounded; the work directory is removed at exit.
set -euo pipefail
size_mib=${1:-1024}
clients=${2:-"murder libtorrent aria2c"}
peer_counts=${3:-"1 4"}
here=$(cd "$(dirname "$0")" && pwd -P)
root=$(cd "$here/.." && pwd -P)
murder="$root/bin/murder"
PY=/usr/bin/python3
TIMEOUT=${TIMEOUT:-300}
[ -d "$root/murder/target/murder/lib" ] || { echo "build first: mvn -q package -DskipTests" >&2; exit 1; }
for tool in aria2c /usr/bin/time bc; do command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 1; }; done

work=$(mktemp -d /tmp/murder-bench-loopback.XXXXXX)
. "$(dirname "$0")/lib.sh"   # cleanup at exit, free_port, wait_for

start_open_tracker
make_random_release "$size_mib"
mkdir -p "$work/no-md5" && cp "$work/release.torrent" "$work/no-md5/"   # no release.md5 beside it
cat "$work/seed/release.bin" > /dev/null
echo "# $(nproc) cores; file ${size_mib} MiB; $("$murder" --version)"
echo "# $(aria2c --version | head -1); libtorrent $($PY -c 'import libtorrent; print(libtorrent.version)')"
printf '%-13s %5s %9s %12s %16s %14s\n' client peers "wall s" "MB/s/peer" "CPU s per GiB" "max RSS MiB"

start_seed() { # start_seed CLIENT -> sets seed_pid
  local port; port=$(free_port)
  case $1 in
    murder|murder-no-md5) "$murder" seed "$work/release.torrent" "$work/seed/release.bin" --port-range "$port" \
              > "$work/seed.log" 2>&1 & seed_pid=$!
            wait_for 60 grep -q "^seeding" "$work/seed.log" ;;
    libtorrent) $PY "$here/lt_client.py" seed "$work/release.torrent" "$work/seed" "$port" "$TIMEOUT" \
              > "$work/seed.log" 2>&1 & seed_pid=$!
            wait_for 60 grep -q "^SEEDING" "$work/seed.log" ;;
    aria2c) aria2c --dir="$work/seed" --check-integrity=true --seed-ratio=0 --seed-time=$((TIMEOUT / 60 + 1)) \
              --enable-dht=false --enable-dht6=false --bt-enable-lpd=false --enable-peer-exchange=false \
              --listen-port="$port" --console-log-level=warn --summary-interval=0 "$work/release.torrent" \
              > "$work/seed.log" 2>&1 & seed_pid=$!
            sleep 1 ;;
  esac
  pids+=($seed_pid)
  # the tracker must count the seed before leechers start
  wait_for 120 bash -c "curl -s 'http://127.0.0.1:$tport/stats' | grep -q '127.0.0.1:$port</td>.*seeder'"
}

leech_cmd() { # leech_cmd CLIENT DIR PORT
  case $1 in
    murder) echo "$murder peer $work/release.torrent $2 --port-range $3 --seed-time 0s" ;;
    murder-no-md5) echo "$murder peer $work/no-md5/release.torrent $2 --port-range $3 --seed-time 0s" ;;
    libtorrent) echo "$PY $here/lt_client.py leech $work/release.torrent $2 $3 $TIMEOUT" ;;
    aria2c) echo "aria2c --dir=$2 --seed-time=0 --enable-dht=false --enable-dht6=false --bt-enable-lpd=false \
      --enable-peer-exchange=false --file-allocation=none --listen-port=$3 --console-log-level=warn \
      --summary-interval=0 --bt-stop-timeout=$TIMEOUT $work/release.torrent" ;;
  esac
}

declare -A result_wall
failed=0
for n in $peer_counts; do
  for c in $clients; do
    start_seed "$c"
    t0=$(date +%s.%N)
    lpids=()
    for i in $(seq 1 "$n"); do
      d="$work/leech-$c-$n-$i"; mkdir -p "$d"
      /usr/bin/time -f "%e %U %S %M" -o "$d.time" timeout "$TIMEOUT" $(leech_cmd "$c" "$d" "$(free_port)") \
        > "$d.log" 2>&1 &
      lpids+=($!)
    done
    ok=1
    for p in "${lpids[@]}"; do wait "$p" || ok=0; done
    t1=$(date +%s.%N)
    kill "$seed_pid" 2>/dev/null || true; wait "$seed_pid" 2>/dev/null || true
    wall=$(echo "$t1 - $t0" | bc -l)
    cpu=0; rss=0
    for i in $(seq 1 "$n"); do
      d="$work/leech-$c-$n-$i"
      read -r _ u s m < <(tail -1 "$d.time") || true   # GNU time writes "Command exited with ..." first on failure
      cpu=$(echo "$cpu + ${u:-0} + ${s:-0}" | bc -l)
      [ "${m:-0}" -gt "$rss" ] && rss=$m
      cmp -s "$work/seed/release.bin" "$d/release.bin" || { ok=0; echo "  $c leecher $i: WRONG OR MISSING BYTES (log: $(tail -2 "$d.log" | tr '\n' ' '))"; }
      rm -rf "$d"
    done
    mbs=$(echo "$size_mib * 1.048576 / $wall" | bc -l)
    cpu_gib=$(echo "$cpu / ($n * $size_mib / 1024)" | bc -l)
    result_wall[$c-$n]=$wall
    printf '%-13s %5s %9.2f %12.1f %16.2f %14.0f %s\n' "$c" "$n" "$wall" "$mbs" "$cpu_gib" "$(echo "$rss / 1024" | bc -l)" \
      "$([ $ok = 1 ] || echo FAILED)"
    [ $ok = 1 ] || failed=1
  done
done
echo "# ratios (murder wall / other wall; below 1.00 means murder is faster)"
for n in $peer_counts; do
  for c in $clients; do
    [ "$c" = murder ] && continue
    [ -n "${result_wall[murder-$n]:-}" ] && [ -n "${result_wall[$c-$n]:-}" ] && \
      printf '  1 seed -> %s peer(s): murder/%s = %.2f\n' "$n" "$c" "$(echo "${result_wall[murder-$n]} / ${result_wall[$c-$n]}" | bc -l)"
  done
done
exit $failed   # 1 when a leecher failed or got wrong bytes (a run of one client has no ratio: not a failure)
