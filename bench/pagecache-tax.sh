#!/usr/bin/env bash
# What a fresh page-cache page costs on this machine: writes N files of 1 GiB with dd (16 KiB
# writes, as a peer's), keeping them, so that each takes memory the page cache did not hold; then
# deletes them, drops the caches and writes them again. Prints the kernel (sys) seconds per GiB of
# each write.
#
# usage: bench/pagecache-tax.sh [N_GIB=6] [DIR=/var/tmp]   (needs N GiB free in DIR and in RAM; root
#        for drop_caches, else that step is skipped)
#
# Why: on a VM whose host backs guest memory lazily (Firecracker here; the balloon's free page
# reporting hands freed memory back), the first write into memory the guest has not touched lately
# costs a host page fault per 4 KiB, which the guest sees as several times the sys time of a
# write into reused pages. Every BitTorrent client in bench/swarm.sh pays it for the 16 x F bytes
# its hosts write; bare-metal servers do not.
set -euo pipefail
n=${1:-6}
dir=${2:-/var/tmp}
[[ $n =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] || { echo "pagecache-tax.sh: N_GIB '$n' (expected: a whole number >= 1)" >&2; exit 2; }
[ -d "$dir" ] || { echo "pagecache-tax.sh: $dir is not a directory" >&2; exit 2; }
work=$(mktemp -d "$dir/murder-pagecache.XXXXXX")
trap 'rm -rf "$work"' EXIT
write() { # write FILE: prints sys seconds
  /usr/bin/time -f '%S' dd if=/dev/zero of="$1" bs=16k count=65536 status=none 2>&1 | tail -1
}
echo "# $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB RAM; $n x 1 GiB written with dd bs=16k into $dir"
line="first pass (new memory for each file):"
for i in $(seq 1 "$n"); do line="$line $(write "$work/f$i")"; done
echo "$line  sys s per GiB"
rm -f "$work"/f*
sync
if [ -w /proc/sys/vm/drop_caches ]; then echo 3 > /proc/sys/vm/drop_caches; fi
line="second pass (after delete + drop_caches):"
for i in $(seq 1 "$n"); do line="$line $(write "$work/f$i")"; done
echo "$line  sys s per GiB"
