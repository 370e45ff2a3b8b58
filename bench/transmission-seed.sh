#!/usr/bin/env bash
# Download from a transmission-cli 3.00 seed on 127.0.0.1: murder peer against aria2c and
# libtorrent (python3-libtorrent) on the same file, one leecher at a time. Transmission answers
# requests in batches (about every 500 ms), which is what RequestDepth must not read as a slow peer.
#
# usage: bench/transmission-seed.sh [SIZE_MIB=256] [CLIENTS="murder aria2c libtorrent"]
# Prints per client: wall seconds from its start (transmission unchokes a new peer at its next
# rechoke, up to 10 s later, so small files mostly measure that) and MB/s; or, when TIMEOUT (default
# 120 s) runs out first, the bytes murder had (from --json-status) and the MB/s that makes.
# Everything listens on 127.0.0.1 and every wait is bounded; the work directory is removed at exit.
set -euo pipefail
size_mib=${1:-256}
clients=${2:-"murder aria2c libtorrent"}
here=$(cd "$(dirname "$0")" && pwd -P)
root=$(cd "$here/.." && pwd -P)
murder="$root/bin/murder"
PY=/usr/bin/python3
TIMEOUT=${TIMEOUT:-120}
[ -d "$root/murder/target/murder/lib" ] || { echo "build first: mvn -q package -DskipTests" >&2; exit 1; }
for tool in transmission-cli aria2c bc curl; do command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 1; }; done

work=$(mktemp -d /tmp/murder-bench-transmission.XXXXXX)
. "$here/lib.sh"   # cleanup at exit, free_port, wait_for

start_open_tracker
make_random_release "$size_mib"
rm -f "$work/release.md5"   # libtorrent and aria2c check pieces only; so does murder without it

# a fresh transmission seed for each leecher: its own config directory (no DHT, LPD, PEX or uTP),
# plain connections (-et: murder, like aria2c here, does not encrypt), no speed limits
start_seed() { # sets sport, seed_pid
  sport=$(free_port)
  rm -rf "$work/trconf" && mkdir -p "$work/trconf"
  cat > "$work/trconf/settings.json" <<JSON
{"dht-enabled": false, "lpd-enabled": false, "pex-enabled": false, "utp-enabled": false,
 "port-forwarding-enabled": false, "rpc-enabled": false, "encryption": 0}
JSON
  timeout $((TIMEOUT + 120)) transmission-cli -g "$work/trconf" -w "$work/seed" -p "$sport" -et -M -U -D \
    "$work/release.torrent" > "$work/seed.log" 2>&1 &
  seed_pid=$!
  pids+=($seed_pid)
  wait_for 120 bash -c "curl -s 'http://127.0.0.1:$tport/stats' | grep -q '127.0.0.1:$sport</td>.*seeder'"
}
echo "# $(nproc) cores; file ${size_mib} MiB; $("$murder" --version); $(transmission-cli --version 2>&1 | head -1) seeding"
printf '%-11s %9s %9s\n' client "wall s" "MB/s"

for c in $clients; do
  start_seed
  d="$work/leech-$c"; mkdir -p "$d"
  port=$(free_port)
  case $c in
    murder) cmd=("$murder" peer "$work/release.torrent" "$d" --port-range "$port" --seed-time 0s
                 --json-status "$d.json" --peer "127.0.0.1:$sport") ;;
    aria2c) cmd=(aria2c "--dir=$d" --seed-time=0 --enable-dht=false --enable-dht6=false --bt-enable-lpd=false
                 --enable-peer-exchange=false --file-allocation=none "--listen-port=$port" --console-log-level=warn
                 --summary-interval=0 "$work/release.torrent") ;;
    libtorrent) cmd=($PY "$here/lt_client.py" leech "$work/release.torrent" "$d" "$port" "$TIMEOUT") ;;
    *) echo "unknown client $c" >&2; exit 1 ;;
  esac
  t0=$(date +%s.%N)
  status=0
  timeout "$TIMEOUT" "${cmd[@]}" > "$d.log" 2>&1 || status=$?
  t1=$(date +%s.%N)
  wall=$(echo "$t1 - $t0" | bc -l)
  if [ $status = 0 ] && cmp -s "$work/seed/release.bin" "$d/release.bin"; then
    printf '%-11s %9.2f %9.2f\n' "$c" "$wall" "$(echo "$size_mib * 1.048576 / $wall" | bc -l)"
  else
    got=$(grep -o '"downloaded" *: *[0-9]*' "$d.json" 2>/dev/null | grep -o '[0-9]*$' || echo 0)
    printf '%-11s %9s %9.2f  (exit %s after %.0f s; %s bytes)\n' "$c" "-" "$(echo "${got:-0} / 1000000 / $wall" | bc -l)" \
      "$status" "$wall" "${got:-0}"
  fi
  rm -rf "$d"
  kill "$seed_pid" 2>/dev/null || true; wait "$seed_pid" 2>/dev/null || true
done
