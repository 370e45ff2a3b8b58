#!/usr/bin/env bash
# Releases: packing, unpacking and deltas between releases, against the standard tools in the same run.
#   bench/release.sh [--tree DIR] [--agents N] [--runs R]
#     --tree DIR   the release tree to use. Default: a copy of what this machine has that looks like a
#                  release: the JDKs under /usr/lib/jvm (binaries, modules), /usr/include (text) and
#                  the jars of ~/.m2/repository (already compressed): here about 1.1 GB in 6,000+ files
#     --agents N   local agents for the deploy phase (default 3)
#     --runs R     best of R for each timing (default 2)
#     --skip-deploy  only phases 1 and 2 (pack, unpack)
# Prints:
#   1. pack: `murder make-torrent DIR` (zstd, md5 and piece hashes included) against `tar cf`,
#      `tar cf | zstd -1 -T0`, `tar cf | gzip -1`, `tar czf` and `sha1sum` of the tar; archive sizes.
#      Targets: make-torrent <= 1.3 x tar|zstd -1 -T0; its archive <= 1.1 x gzip -1's.
#   2. unpack: `murder unpack` (what agents do) against `tar xf` of the uncompressed tar, same
#      filesystem. Target: <= 1.2 x.
#   3. deltas: a real `murder deploy` (embedded ZooKeeper server, N agent processes on 127.0.0.1)
#      of v1, then v2 with 1 % of the files changed (small ones and one large one), then v3 with 10 %
#      changed: per deploy the wall time, and bytes downloaded and rebuilt per host as a share of the
#      archive. Targets: 1 % changed -> <= 3 % downloaded; 10 % -> <= 15 %.
# Everything runs on 127.0.0.1; the work directory is removed at the end (BENCH_KEEP_LOGS=1 keeps logs).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
murder="$here/bin/murder"
tree=
agents=3
runs=2
skip_deploy=
while [ $# -gt 0 ]; do
  case "$1" in
    --tree) tree=$(cd "$2" && pwd); shift 2 ;;
    --agents) agents=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --skip-deploy) skip_deploy=1; shift ;;
    *) echo "release.sh: unknown option $1 (expected: --tree DIR, --agents N, --runs R, --skip-deploy)" >&2; exit 2 ;;
  esac
done
[ -x "$murder" ] && [ -d "$here/murder/target/murder/lib" ] || { echo "build first: mvn -q package -DskipTests" >&2; exit 1; }
for tool in zstd gzip tar sha1sum bc python3; do
  command -v "$tool" >/dev/null || { echo "release.sh: needs $tool (apt-get install $tool)" >&2; exit 1; }
done
work=$(mktemp -d /var/tmp/murder-release-bench.XXXXXX)
# shellcheck source=bench/lib.sh
. "$here/bench/lib.sh"

best() { # best wall seconds of $runs runs of "$@" (output discarded)
  local b=
  for _ in $(seq 1 "$runs"); do
    local s e t
    # every run starts with no dirty pages: otherwise a run pays the writeback of the runs before it
    # (gigabytes here), and whichever tool runs later looks slower
    if [ -n "${before:-}" ]; then eval "$before" >/dev/null || return 1; fi
    sync
    s=$(date +%s.%N); "$@" >/dev/null 2>&1 || return 1; e=$(date +%s.%N)
    t=$(echo "$e - $s" | bc -l)
    if [ -z "$b" ] || [ "$(echo "$t < $b" | bc -l)" = 1 ]; then b=$t; fi
  done
  printf '%.2f' "$b"
}
ratio() { printf '%.2f' "$(echo "$1 / $2" | bc -l)"; }
mb() { printf '%.1f' "$(echo "$1 / 1000000" | bc -l)"; }

echo "# machine: $(nproc) cores, $(java -version 2>&1 | head -1), zstd $(zstd -V | grep -o 'v[0-9.]*'), $(tar --version | head -1)"

# ---- the tree
if [ -z "$tree" ]; then
  tree="$work/tree"
  mkdir -p "$tree/jdk" "$tree/lib"
  for j in /usr/lib/jvm/*; do
    [ -d "$j" ] && [ ! -L "$j" ] && [ -d "$j/lib" ] && cp -a "$j" "$tree/jdk/" 2>/dev/null || true
  done
  # text: C headers (sources, configs and docs in a real release)
  [ -d /usr/include ] && cp -a /usr/include "$tree/include"
  if [ -d "$HOME/.m2/repository" ]; then
    (cd "$HOME/.m2/repository" && find . -name '*.jar' -size +0 -print0 | tar cf - --null -T -) | tar xf - -C "$tree/lib"
  fi
fi
# symbolic links that lead out of the tree (a JDK's conf/ points into /etc, its docs to /usr/share/doc)
# are refused by agents, by design: leave them out of the generated tree
python3 - "$tree" <<'PY'
import os, sys
root = os.path.realpath(sys.argv[1])
for d, dirs, files in os.walk(root):
    for n in dirs + files:
        p = os.path.join(d, n)
        if os.path.islink(p):
            t = os.readlink(p)
            target = os.path.normpath(os.path.join(d, t))
            if os.path.isabs(t) or not (target == root or target.startswith(root + os.sep)):
                os.unlink(p)
PY
files=$(find "$tree" -type f | wc -l)
bytes=$(du -sb "$tree" | cut -f1)
echo "# tree: $tree: $files files, $(mb "$bytes") MB"
tar cf - -C "$tree" . > /dev/null   # into the page cache

# ---- 1. pack
pack_dir="$work/pack"; mkdir -p "$pack_dir"
t_tar=$(best sh -c "tar cf '$pack_dir/t.tar' -C '$tree' .") || { echo "release.sh: failed: tar" >&2; exit 1; }
t_zstd=$(best sh -c "tar cf - -C '$tree' . | zstd -q -1 -T0 -f -o '$pack_dir/t.tar.zst'") || { echo "release.sh: failed: zstd" >&2; exit 1; }
t_gz1=$(best sh -c "tar cf - -C '$tree' . | gzip -1 > '$pack_dir/t1.tar.gz'") || { echo "release.sh: failed: gz1" >&2; exit 1; }
t_czf=$(best sh -c "tar czf '$pack_dir/t.tar.gz' -C '$tree' .") || { echo "release.sh: failed: czf" >&2; exit 1; }
t_sha=$(best sha1sum "$pack_dir/t.tar") || { echo "release.sh: failed: sha" >&2; exit 1; }
t_make=$(best "$murder" make-torrent "$tree" --tracker http://127.0.0.1:8998/announce --out "$pack_dir/m.torrent" --force) || { echo "release.sh: failed: make" >&2; exit 1; }
s_tar=$(stat -c %s "$pack_dir/t.tar"); s_zstd=$(stat -c %s "$pack_dir/t.tar.zst"); s_gz1=$(stat -c %s "$pack_dir/t1.tar.gz")
s_czf=$(stat -c %s "$pack_dir/t.tar.gz"); s_make=$(stat -c %s "$pack_dir/m.tar.zst")
echo "# 1. pack (best of $runs, wall s; size MB)"
printf '%-34s %7s s  %9s MB\n' "tar cf" "$t_tar" "$(mb "$s_tar")"
printf '%-34s %7s s  %9s MB\n' "tar cf | zstd -1 -T0" "$t_zstd" "$(mb "$s_zstd")"
printf '%-34s %7s s  %9s MB\n' "tar cf | gzip -1" "$t_gz1" "$(mb "$s_gz1")"
printf '%-34s %7s s  %9s MB\n' "tar czf" "$t_czf" "$(mb "$s_czf")"
printf '%-34s %7s s\n' "sha1sum of the tar" "$t_sha"
printf '%-34s %7s s  %9s MB\n' "murder make-torrent (zstd)" "$t_make" "$(mb "$s_make")"
echo "make-torrent / (tar|zstd -1 -T0): $(ratio "$t_make" "$t_zstd") (target <= 1.30); size / gzip -1's: $(ratio "$s_make" "$s_gz1") (target <= 1.10)"
zstd -q -t "$pack_dir/m.tar.zst" && echo "zstd -t: ok"
rm -f "$pack_dir/t.tar.zst" "$pack_dir/t1.tar.gz" "$pack_dir/t.tar.gz"

# ---- 2. unpack
# Both tools unpack into the same file system, in the same state. As root that is a fresh ext4 (with a
# journal, as on a host) on a loop device, made again before every run: on an ext4 that has just had
# a gigabyte of files removed, creating files costs several times more than on a fresh one (on a
# journal-less ext4 the inode allocator skips inodes freed in the last 30 s), and a run would pay
# for the one before it. Without root: the work directory, emptied and synced before every run.
x="$work/x"
mnt=
if [ "$(id -u)" = 0 ] && command -v mkfs.ext4 >/dev/null && command -v mountpoint >/dev/null; then
  mnt="$work/mnt"; mkdir -p "$mnt"
  truncate -s $((bytes * 2 + (512 << 20))) "$work/unpack.img"
  fresh_fs() { { ! mountpoint -q "$mnt" || umount "$mnt"; } && mkfs.ext4 -q -F "$work/unpack.img" && mount -o loop "$work/unpack.img" "$mnt"; }
  trap 'if mountpoint -q "$mnt"; then umount "$mnt"; fi; cleanup' EXIT
fi
if [ -n "$mnt" ] && fresh_fs; then  # a loop device may be missing (containers): then as without root
  x="$mnt/x"
  before=fresh_fs
  where="a fresh ext4 before every run"
else
  mnt=
  before='rm -rf "$x"'
  where="$work, emptied before every run (not root: no fresh file system)"
fi
unpack_tar() { mkdir -p "$x"; tar xf "$pack_dir/t.tar" -C "$x"; }
unpack_murder() { "$murder" unpack "$pack_dir/m.tar.zst" "$x" | tee -a "$work/unpack.out"; }
t_xf=$(best unpack_tar) || { echo "release.sh: failed: xf" >&2; exit 1; }
t_un=$(best unpack_murder) || { echo "release.sh: failed: un" >&2; exit 1; }
before=
if diff -r "$tree" "$x" > /dev/null; then echo "# murder unpack + diff -r: identical"; else echo "# murder unpack + diff -r: DIFFERENT (or unreadable: see diff -r $tree $x)"; fi
echo "# 2. unpack (best of $runs, wall s; into $where)"
printf '%-34s %7s s\n' "tar xf (uncompressed tar)" "$t_xf"
printf '%-34s %7s s\n' "murder unpack (.tar.zst)" "$t_un"
# what an agent spends: it unpacks inside its running JVM, so without the start of one (the time
# `murder unpack` reports from the first byte read to the last attribute set)
t_in=$(grep -o 'in [0-9.]* s$' "$work/unpack.out" | awk '{print $2}' | sort -n | head -1 || true)
[ -n "$t_in" ] || { echo "release.sh: murder unpack printed no time (see $work/unpack.out)" >&2; exit 1; }
printf '%-34s %7s s\n' "  of which unpacking (as an agent)" "$t_in"
echo "murder unpack / tar xf: $(ratio "$t_un" "$t_xf") (target <= 1.20); as an agent: $(ratio "$t_in" "$t_xf")"
rm -rf "$x" "$pack_dir"
if [ -n "$mnt" ]; then umount "$mnt"; rm -f "$work/unpack.img"; fi
[ -n "$skip_deploy" ] && exit 0

# ---- 3. deltas through murder deploy
secret="$work/secret"; head -c 24 /dev/urandom | base64 > "$secret"; chmod 600 "$secret"
zk_port=$(free_port)
"$murder" zookeeper --bind 127.0.0.1 --port "$zk_port" --data-dir "$work/zk" > "$work/zk.log" 2>&1 & pids+=($!)
wait_for 60 grep -q "zookeeper listening" "$work/zk.log"
for i in $(seq 1 "$agents"); do
  p=$((47000 + i * 10))
  "$murder" agent --name "host-$i" --zk "127.0.0.1:$zk_port" --secret-file "$secret" --dest-root "$work/host-$i" \
    --port-range "$p-$((p + 9))" --bind 127.0.0.1 --metrics-port off > "$work/agent-$i.log" 2>&1 & pids+=($!)
done
wait_for 120 bash -c "for i in \$(seq 1 $agents); do grep -q registered '$work/agent-'\$i'.log' || exit 1; done"

src="$work/src"; cp -a "$tree" "$src"
change() { # change PERCENT of the files: the largest one in its middle, the rest (the smallest first) appended to
  python3 - "$src" "$1" <<'PY'
import os, sys, random
root, pct = sys.argv[1], float(sys.argv[2])
files = sorted(os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs if not os.path.islink(os.path.join(d, f)))
n = max(2, int(len(files) * pct / 100))
rnd = random.Random(int(pct * 100))
largest = max(files, key=os.path.getsize)
with open(largest, "r+b") as f:
    f.seek(os.path.getsize(largest) // 2)
    f.write(os.urandom(64 * 1024))
picked = rnd.sample([f for f in files if f != largest], n - 1)
for p in picked:
    with open(p, "ab") as f:
        f.write(b"changed in this release\n")
print(f"changed {n} of {len(files)} files (one large: {os.path.getsize(largest)} bytes)", file=sys.stderr)
PY
}
echo "# 3. deploy to $agents local agents (--activate), each release packed by the deploy (zstd)"
printf '%-28s %8s %10s %12s %12s %9s\n' "release" "wall s" "archive MB" "down MB/host" "rebuilt/host" "down %"
deploy() { # TAG LABEL
  local s e out
  s=$(date +%s.%N)
  out=$("$murder" deploy "$src" --tag "$1" --hosts 'host-*' --zk "127.0.0.1:$zk_port" --secret-file "$secret" \
    --advertise 127.0.0.1 --tracker-port "$(free_port)" --seeder-ports 46900-46999 --seed-time 2s --grace 0s \
    --timeout 10m --activate --work-dir "$work/deploy" 2>"$work/deploy-$1.err") \
    || { echo "$out"; cat "$work/deploy-$1.err"; echo "release.sh: deploy $1 failed" >&2; exit 1; }
  e=$(date +%s.%N)
  echo "$out" > "$work/deploy-$1.out"
  local size down rebuilt
  size=$(stat -c %s "$work/deploy/$1.tar.zst")
  # HOST RESULT SECONDS MB/S DOWN REBUILT UP: averages over the hosts ('-' is 0)
  read -r down rebuilt < <(echo "$out" | awk '/^host-[0-9]+ +done/ { d += ($5 == "-" ? 0 : $5); r += ($6 == "-" ? 0 : $6); n++ }
    END { printf "%.1f %.1f\n", d / n, r / n }')
  printf '%-28s %8.2f %10s %12s %12s %8.1f%%\n' "$2" "$(echo "$e - $s" | bc -l)" "$(mb "$size")" "$down" "$rebuilt" \
    "$(echo "100 * $down * 1000000 / $size" | bc -l)"
  for i in $(seq 1 "$agents"); do
    cmp -s "$work/deploy/$1.tar.zst" "$work/host-$i/$1.tar.zst" || { echo "release.sh: host-$i has other bytes for $1" >&2; exit 1; }
  done
}
deploy v1 "v1 (all new)"
change 1 2> "$work/change-1.txt"; deploy v2 "v2 ($(grep -o 'changed [0-9]* of [0-9]*' "$work/change-1.txt"))"
change 10 2> "$work/change-10.txt"; deploy v3 "v3 ($(grep -o 'changed [0-9]* of [0-9]*' "$work/change-10.txt"))"
echo "targets: v2 <= 3 % downloaded per host, v3 <= 15 %"
