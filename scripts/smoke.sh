#!/usr/bin/env bash
# The README's quickstart, end to end through bin/murder; fails on the first surprise.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
murder="$here/bin/murder"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/build/bin" && echo 'echo hello from v42' > "$work/build/bin/app" && chmod +x "$work/build/bin/app"
head -c 5000000 /dev/urandom > "$work/build/payload.bin"
cd "$work"
"$murder" make-torrent build --tracker http://127.0.0.1:8998/announce --out v42.torrent
"$murder" info v42.torrent
md5sum -c v42.md5
zstd -q -t v42.tar.zst
mkdir x && tar --zstd -xf v42.tar.zst -C x && cmp x/payload.bin build/payload.bin
[ "$("$murder" info --hash v42.torrent)" = "$(transmission-show v42.torrent | sed -n 's/^ *Hash\( v1\)\?: //p')" ]
set +e
"$murder" make-torrent build --tracker http://127.0.0.1:8998/announce --out v42.torrent 2>err.txt; code=$?
set -e
[ "$code" = 2 ] && grep -q "already exists" err.txt
# an unreachable ZooKeeper and bad usage: one line each on stderr, exit 1 and 2
set +e
"$murder" agents --zk 127.0.0.1:1 --zk-timeout 2s 2>err.txt; code=$?
"$murder" tracker --bogus 2>usage.txt; ucode=$?
set -e
[ "$code" = 1 ] && [ "$(wc -l < err.txt)" = 1 ] && grep -q "^murder: ZooKeeper 127.0.0.1:1: not reachable" err.txt \
  || { cat err.txt; echo "smoke: an unreachable ZooKeeper is not one line" >&2; exit 1; }
[ "$ucode" = 2 ] && [ "$(cat usage.txt)" = "murder: Unknown option: '--bogus' (see 'murder tracker --help')" ] \
  || { cat usage.txt; echo "smoke: bad usage is not one line" >&2; exit 1; }
# SIGTERM (systemd's stop) ends tracker and seed cleanly: exit 0
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$murder" tracker --port "$port" --open > tracker.out 2>&1 & tracker=$!
"$murder" seed v42.torrent v42.tar.zst --port-range 46100-46199 > seed.out 2>&1 & seed=$!
for _ in $(seq 1 300); do grep -q "listening" tracker.out && grep -q "^seeding" seed.out && break; sleep 0.1; done
kill -TERM "$tracker" "$seed"
set +e
wait "$tracker"; tcode=$?
wait "$seed"; scode=$?
set -e
[ "$tcode" = 0 ] && [ "$scode" = 0 ] && grep -q "^stopped   uploaded" seed.out \
  || { cat tracker.out seed.out; echo "smoke: SIGTERM exit codes: tracker $tcode, seed $scode (expected: 0)" >&2; exit 1; }
# the installation check from the README's Set up, through the launcher and its CDS archive
"$murder" selftest --size 16MiB > selftest.out 2>&1 || { cat selftest.out; exit 1; }
grep -q "^selftest ok" selftest.out
[ -f "$here/murder/target/murder/murder.jsa.id" ] && echo "smoke: class-data-sharing archive in use" \
  || echo "smoke: no class-data-sharing archive (an optimisation; see the build log's cds-archive line)"
# the README's first command: the whole system on this machine (smaller, to keep CI quick)
"$murder" demo --agents 3 --size 48MiB > demo.out 2>&1 || { cat demo.out; exit 1; }
grep -q "all 3 hosts done" demo.out
grep -q "current -> releases/demo-" demo.out
# and its safe rollout: waves, a health check failing on one host, that wave rolled back (exit 0 when it went so)
"$murder" demo --waves --agents 3 --size 8MiB > demo-waves.out 2>&1 || { cat demo-waves.out; exit 1; }
grep -q "^demo: the health check failed on demo-2 in wave 2 of 3: the rollout stopped, wave 2 was rolled back" demo-waves.out
echo "smoke: ok"
