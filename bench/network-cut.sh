#!/usr/bin/env bash
# Network cut: a peer whose every packet is dropped for CUT seconds in the middle of its download
# (a link that flapped, a switch that rebooted), then back. How long after its link is back does it
# finish, against what the rest of the file takes at the origin's rate?
#   sudo bench/network-cut.sh [CUT_S=30] [SIZE_MIB=48] [ORIGIN_UP=4MB/s]   (MURDER=path/bin/murder to try another build)
# In a network namespace of its own (its loopback only; deleted at exit): murder tracker and
# murder seed (--max-up ORIGIN_UP) on 127.0.0.1, murder peer on 127.0.0.2 (--seed-time 1s); 4 s
# after the peer starts, iptables drops everything from and to 127.0.0.2 for CUT s. TCP's
# retransmission timer backs off while the link is cut (0.2 s, doubling: after 30 s of cut its next
# try can be 20 s away), so a connection that waits for it resumes late; the engine sends a silent
# peer that owes blocks a keep-alive after 5 s with nothing from any peer, drops it at 15 s if TCP still
# retransmits to it unacknowledged, and dials again; the seed
# takes the new connection for the silent one (TorrentSession.NOTHING_FROM_ANYONE, PeerSet.SILENT).
# Prints the peer's exit code and time, when the cut ended, the time from then to the end, and that
# against the bound: the bytes it still lacked when cut, at ORIGIN_UP. A cut of 2 minutes or more
# fails the download (no data for --stall-timeout, 2m by default): exit 1, said so.
set -euo pipefail
cut=${1:-30}
size=${2:-48}
up=${3:-4MB/s}
here=$(cd "$(dirname "$0")" && pwd -P)
root=$(cd "$here/.." && pwd -P)
murder=${MURDER:-"$root/murder/target/murder/bin/murder"}
[ -x "$murder" ] || { echo "build first: mvn -q install -DskipTests" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "network-cut.sh: needs root (a network namespace, iptables in it)" >&2; exit 2; }
case "$cut" in ''|*[!0-9]*) echo "network-cut.sh: CUT_S '$cut' (expected: whole seconds)" >&2; exit 2 ;; esac
ns=murder-cut-$$
work=$(mktemp -d /tmp/murder-bench-cut.XXXXXX)
cleanup() {
  ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null || true
  sleep 1
  ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
ip netns add "$ns"
in_ns() { ip netns exec "$ns" "$@"; }
in_ns ip link set lo up
in_ns ip addr add 127.0.0.2/8 dev lo 2>/dev/null || true
now() { date +%s.%N; }
since() { python3 -c "print(f'{$(now) - $1:.1f}')"; }
wait_port() { for _ in $(seq 1 120); do in_ns bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null && return 0; sleep 0.5; done; return 1; }

head -c "$((size * 1024 * 1024))" /dev/urandom > "$work/rel.bin"
"$murder" make-torrent "$work/rel.bin" --tracker http://127.0.0.1:6969/announce --out "$work/rel.torrent" > /dev/null 2>&1
in_ns "$murder" tracker --bind 127.0.0.1 --port 6969 --open > "$work/tracker.log" 2>&1 &
wait_port 6969
in_ns "$murder" seed "$work/rel.torrent" "$work/rel.bin" --bind 127.0.0.1 --port-range 6881-6881 --max-up "$up" \
  > "$work/seed.log" 2>&1 &
wait_port 6881
mkdir -p "$work/down"
start=$(now)
in_ns "$murder" peer "$work/rel.torrent" "$work/down" --bind 127.0.0.2 --port-range 6882-6883 --seed-time 1s \
  > "$work/peer.out" 2> "$work/peer.err" &
peer=$!
sleep 4
have=$(du -k "$work/down/rel.bin.part" 2>/dev/null | cut -f1 || echo 0)   # KiB written so far (the .part is sparse)
in_ns iptables -w -I INPUT 1 -s 127.0.0.2 -j DROP
in_ns iptables -w -I INPUT 1 -d 127.0.0.2 -j DROP
cut_at=$(since "$start")
sleep "$cut"
in_ns iptables -w -D INPUT -s 127.0.0.2 -j DROP
in_ns iptables -w -D INPUT -d 127.0.0.2 -j DROP
back=$(now)
back_at=$(since "$start")
rc=0
wait "$peer" || rc=$?
took=$(since "$start")
after=$(since "$back")
left_mib=$(python3 -c "print(max(0.0, $size - $have / 1024))")
bound=$(python3 -c "
u = '$up'.lower().replace('/s', '')
mult = {'kb': 1e3, 'mb': 1e6, 'gb': 1e9, 'kib': 1024, 'mib': 1024**2, 'gib': 1024**3}
unit = next(k for k in sorted(mult, key=len, reverse=True) if u.endswith(k))
print(f'{$left_mib * 1024 * 1024 / (float(u[:-len(unit)]) * mult[unit]):.1f}')")
echo "# network cut: F=$size MiB, origin --max-up $up, the peer cut off for $cut s from $cut_at s (about $(printf %.0f "$left_mib") MiB of it still to come), $(nproc) cores; $("$murder" --version 2>/dev/null | head -1)"
echo "peer      exit $rc after $took s (cut ended at $back_at s)"
echo "after     $after s from the end of the cut to the peer's exit; bound $bound s (what it still lacked at the origin's rate): $(python3 -c "print(f'{$after / max($bound, 0.1):.2f}')") x"
[ "$rc" = 0 ] || echo "failed    $(grep -o '^murder: .*' "$work/peer.err" | tail -1)"
grep -h "nothing from it or any other peer" "$work/peer.err" | sed 's/^[^ ]* /          /' | cut -c1-220 || true
