#!/usr/bin/env bash
# make-torrent against md5sum, sha1sum and tar czf on the same bytes.
#   bench/make-torrent.sh [SIZE_MIB=1024] [FILES=2000] [WORKDIR]
# Prints wall seconds and ratios for:
#   1. a ready 1 GiB file: `murder make-torrent FILE` vs `md5sum FILE` and `sha1sum FILE` (target: ratio <= 1.0 vs md5sum)
#   2. a 2000-file release directory: `murder make-torrent DIR` (pack + md5 + pieces) vs `tar czf` (target: faster)
# Every run reads from the page cache (one warm-up read first); best of 3.
set -euo pipefail
size_mib=${1:-1024}
files=${2:-2000}
work=${3:-$(mktemp -d /tmp/murder-bench.XXXXXX)}
here=$(cd "$(dirname "$0")/.." && pwd)
murder="$here/bin/murder"
trap 'rm -rf "$work"' EXIT
[ -x "$murder" ] || { echo "build first: mvn -q package -DskipTests" >&2; exit 1; }
[ -d "$here/murder/target/murder/lib" ] || { echo "build first: mvn -q package -DskipTests" >&2; exit 1; }

best_of_3() { # prints the best wall seconds of 3 runs of "$@"
  local best=
  for _ in 1 2 3; do
    local s e t
    s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N)
    t=$(echo "$e - $s" | bc -l)
    if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
  done
  printf '%.2f' "$best"
}
ratio() { printf '%.2f' "$(echo "$1 / $2" | bc -l)"; }

echo "# machine: $(nproc) cores, $(java -version 2>&1 | head -1)"
"$murder" --version

echo "# 1. ready file of $size_mib MiB (random bytes)"
head -c $((size_mib * 1024 * 1024)) /dev/urandom > "$work/release.bin"
cat "$work/release.bin" > /dev/null
t_md5=$(best_of_3 md5sum "$work/release.bin")
t_sha1=$(best_of_3 sha1sum "$work/release.bin")
t_make=$(best_of_3 "$murder" make-torrent "$work/release.bin" --tracker http://127.0.0.1:8998/announce \
  --out "$work/file.torrent" --force)
echo "md5sum        ${t_md5} s"
echo "sha1sum       ${t_sha1} s"
echo "make-torrent  ${t_make} s   ratio vs md5sum $(ratio "$t_make" "$t_md5")  vs sha1sum $(ratio "$t_make" "$t_sha1")   (target: <= 1.00 vs md5sum)"
rm -f "$work/release.bin"

echo "# 2. release directory: $files files, $size_mib MiB in all (half random, half text-like)"
dir="$work/build"
mkdir -p "$dir"
per=$((size_mib * 1024 * 1024 / files))
python3 - "$dir" "$files" "$per" <<'PY'
import os, sys, random
root, n, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(1)
words = [("w%05d " % i).encode() for i in range(5000)]
for i in range(n):
    d = os.path.join(root, "d%02d" % (i % 40), "s%d" % (i % 7))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%05d" % i), "wb") as f:
        if i % 2:
            f.write(os.urandom(per))
        else:
            out = bytearray()
            while len(out) < per:
                out += rnd.choice(words)
            f.write(out[:per])
PY
tar cf - -C "$dir" . > /dev/null
t_tar=$(best_of_3 tar czf "$work/tar.tar.gz" -C "$dir" .)
t_pack=$(best_of_3 "$murder" make-torrent "$dir" --compress gzip --tracker http://127.0.0.1:8998/announce --out "$work/dir.torrent" --force)
echo "tar czf                 ${t_tar} s   $(stat -c %s "$work/tar.tar.gz") bytes"
echo "make-torrent DIR        ${t_pack} s   $(stat -c %s "$work/dir.tar.gz") bytes   ratio vs tar czf $(ratio "$t_pack" "$t_tar")   (target: < 1.00; includes md5 and piece hashes)"
gzip -t "$work/dir.tar.gz" && echo "gzip -t: ok"
mkdir -p "$work/x" && tar xzf "$work/dir.tar.gz" -C "$work/x" && diff -r "$dir" "$work/x" >/dev/null && echo "tar xzf + diff -r: identical"
