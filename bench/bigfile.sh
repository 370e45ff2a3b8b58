#!/usr/bin/env bash
# Memory on a big file: one murder seed -> one murder peer over 127.0.0.1, separate processes.
# Prints the peer's wall seconds, MB/s, CPU seconds per GiB and max RSS (target, DESIGN.md: a peer
# on a 10 GiB file stays under 256 MiB RSS).
#
# usage: bench/bigfile.sh [SIZE_GIB=10] [PARENT_DIR=/tmp]   (its work directory is made inside PARENT_DIR)
# Needs 2 x SIZE of free disk. The file is zeros from /dev/zero (content does not change the
# peer's memory or work: every piece is still hashed, written and read back). Everything listens on
# 127.0.0.1; the work directory is removed at exit.
set -euo pipefail
size_gib=${1:-10}
here=$(cd "$(dirname "$0")" && pwd -P)
murder="$here/../bin/murder"
work=$(mktemp -d "${2:-/tmp}/murder-bench-bigfile.XXXXXX")
. "$(dirname "$0")/lib.sh"   # cleanup at exit, free_port, wait_for

mkdir -p "$work/seed" "$work/peer"
dd if=/dev/zero of="$work/seed/big.bin" bs=16M count=$((size_gib * 64)) status=none
tport=$(free_port); sport=$(free_port); pport=$(free_port)
"$murder" tracker --bind 127.0.0.1 --port "$tport" --open --interval 2s > "$work/tracker.log" 2>&1 & pids+=($!)
wait_for 30 bash -c "exec 3<>/dev/tcp/127.0.0.1/$tport"
"$murder" make-torrent "$work/seed/big.bin" --tracker "http://127.0.0.1:$tport/announce" --out "$work/big.torrent" \
  > /dev/null 2>&1
"$murder" seed "$work/big.torrent" "$work/seed/big.bin" --bind 127.0.0.1 --port-range "$sport" > "$work/seed.log" 2>&1 &
pids+=($!)
wait_for 600 grep -q "^seeding" "$work/seed.log"
echo "# $(nproc) cores; file ${size_gib} GiB; $("$murder" --version)"
/usr/bin/time -f "%e %U %S %M" -o "$work/peer.time" "$murder" peer "$work/big.torrent" "$work/peer" --bind 127.0.0.1 \
  --port-range "$pport" --seed-time 0s > "$work/peer.log" 2>&1 || { echo "peer failed:"; tail -5 "$work/peer.log"; exit 1; }
read -r wall user sys rss < "$work/peer.time"
cmp -s "$work/seed/big.bin" "$work/peer/big.bin" || { echo "WRONG BYTES"; exit 1; }
printf 'peer: %.1f s, %.0f MB/s, %.2f CPU s per GiB, max RSS %.0f MiB (target <= 256 MiB)\n' "$wall" \
  "$(echo "$size_gib * 1073.741824 / $wall" | bc -l)" "$(echo "($user + $sys) / $size_gib" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
