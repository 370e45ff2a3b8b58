# Shared by the bench scripts (bash; sourced, not run). The caller sets `work` (a directory it
# owns) before sourcing: background processes go in `pids` and everything is removed at exit
# (with BENCH_KEEP_LOGS=1 the logs stay and only the big data files go).
pids=()
cleanup() {
  for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "${BENCH_KEEP_LOGS:-}" = 1 ]; then
    find "$work" -type f \( -name '*.bin' -o -name '*.part' -o -name '*.tar.gz' -o -name '*.tar.zst' -o -name '*.tar' \) -delete 2>/dev/null || true
    echo "# logs kept in $work" >&2
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
# a free TCP port on 127.0.0.1, below the kernel's ephemeral range: a port the kernel hands out itself can
# be taken as the source port of some connection between this check and the listener's bind (a 1 -> 4
# loopback run lost a leecher to that: "no free port in 38379")
free_port() {
  python3 - <<'PYEOF'
import random, socket
low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
for _ in range(1000):
    port = random.randrange(10000, max(10001, low))
    s = socket.socket()
    try:
        s.bind(("0.0.0.0", port))
    except OSError:
        continue
    finally:
        s.close()
    print(port)
    break
else:
    raise SystemExit("free_port: no free port in 10000-%d" % (low - 1))
PYEOF
}
# wait_for SECONDS CMD...: poll until CMD succeeds, fail after SECONDS
wait_for() {
  local deadline=$((SECONDS + $1)); shift
  until "$@" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || { echo "timed out waiting for: $*" >&2; return 1; }
    sleep 0.2
  done
}

# start_open_tracker [OPTION...]: our tracker on 127.0.0.1 (open, 2 s interval, and OPTIONs) -> sets tport;
# needs $murder, $work
start_open_tracker() {
  tport=$(free_port)
  "$murder" tracker --bind 127.0.0.1 --port "$tport" --open --interval 2s "$@" > "$work/tracker.log" 2>&1 &
  pids+=($!)
  wait_for 30 bash -c "exec 3<>/dev/tcp/127.0.0.1/$tport"
}

# make_random_release SIZE_MIB [PIECE_KIB]: $work/seed/release.bin of random bytes and
# $work/release.torrent (+ .md5), in pieces of PIECE_KIB (default: make-torrent's choice)
make_random_release() {
  mkdir -p "$work/seed"
  head -c $(($1 * 1024 * 1024)) /dev/urandom > "$work/seed/release.bin"
  "$murder" make-torrent "$work/seed/release.bin" --tracker "http://127.0.0.1:$tport/announce" ${2:+--piece-size "${2}KiB"} \
    --out "$work/release.torrent" > /dev/null
}

# timed_peer NAME [OPTION...]: `murder peer` on 127.0.0.1 downloading into $work/NAME (exit on completion,
# with OPTIONs); writes its seconds (process start to exit) to $work/NAME.s, fails on failure; needs $murder, $work
timed_peer() {
  local name=$1 port; shift
  port=$(free_port)
  rm -rf "${work:?}/$name"; mkdir -p "$work/$name"
  local t0; t0=$(date +%s.%N)
  if ! timeout 300 "$murder" peer --bind 127.0.0.1 --port-range "$port-$port" --seed-time 0s --stall-timeout 60s "$@" \
      "$work/release.torrent" "$work/$name" > "$work/$name.log" 2>&1; then
    echo "FAIL: peer $name (log: $work/$name.log)" >&2
    return 1
  fi
  echo "$(date +%s.%N) - $t0" | bc > "$work/$name.s"
  rm -rf "${work:?}/$name"
}

# rate_bound SIZE_MIB RATE: SIZE_MIB at RATE (murder's rate syntax: 20MB/s, 25Mbit/s), as "3.20 s" ("n/a" if unparsed)
rate_bound() {
  python3 - "$1" "$2" <<'PYEOF'
import re, sys
size, up = int(sys.argv[1]), sys.argv[2]
m = re.fullmatch(r'(\d+(?:\.\d+)?)(KB|MB|GB|Kbit|Mbit|Gbit)/s', up)
scale = {'KB': 2**10, 'MB': 2**20, 'GB': 2**30, 'Kbit': 1e3 / 8, 'Mbit': 1e6 / 8, 'Gbit': 1e9 / 8}
print(f'{size * 2**20 / (float(m.group(1)) * scale[m.group(2)]):.2f} s' if m else 'n/a')
PYEOF
}
