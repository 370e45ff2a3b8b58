#!/usr/bin/env bash
# How soon a deploy publishes its job: `murder zookeeper` and H agents on 127.0.0.1, then D deploys
# of a ready .tar.gz of F MiB (two releases, alternating), each timed from its launch to its "job ...
# published" line and to its "all H hosts done" line.
#
# usage: bench/deploy-start.sh [-H AGENTS=2] [-F SIZE_MIB=64] [-D DEPLOYS=6] [--work DIR]
#
# The launch includes the JVM's start, the ZooKeeper session, the targets, the locks, the tracker,
# the md5 and piece hashes of the archive and the seeder's check of it. For scale, the same run
# also times the floor of two of those steps: `murder --version` (a JVM start and the command line)
# and `md5sum` + `sha1sum` of the archive (one pass each), and prints the launch against their sum.
# Everything listens on 127.0.0.1 (free ports); every process it started is stopped at exit (bench/lib.sh).
set -euo pipefail

H=2
F=64
D=6
work=""
while [ $# -gt 0 ]; do
  case "$1" in
    -H) H=$2; shift 2 ;;
    -F) F=$2; shift 2 ;;
    -D) D=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/{/^#/p}' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "deploy-start.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ $H =~ ^[0-9]+$ ]] && [ "$H" -ge 1 ] && [ "$H" -le 20 ] || { echo "deploy-start.sh: -H $H (expected: 1 to 20)" >&2; exit 2; }
[[ $F =~ ^[0-9]+$ ]] && [ "$F" -ge 1 ] && [ "$F" -le 4096 ] || { echo "deploy-start.sh: -F $F (expected: 1 to 4096 MiB)" >&2; exit 2; }
[[ $D =~ ^[0-9]+$ ]] && [ "$D" -ge 1 ] && [ "$D" -le 50 ] || { echo "deploy-start.sh: -D $D (expected: 1 to 50)" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd -P)
murder="$here/../bin/murder"
[ -d "$here/../murder/target/murder/lib" ] || { echo "deploy-start.sh: build first: mvn -q package -DskipTests" >&2; exit 1; }
if [ -z "$work" ]; then work=$(mktemp -d /tmp/murder-deploy-start.XXXXXX); else mkdir -p "$work"; work=$(cd "$work" && pwd); fi  # absolute: agents take an absolute --dest-root
. "$here/lib.sh"   # cleanup at exit, free_port, wait_for
trap 'exit 130' INT TERM
now() { date +%s.%N; }

head -c 24 /dev/urandom | base64 > "$work/secret"; chmod 600 "$work/secret"
for r in 1 2; do
  mkdir -p "$work/rel-$r"; head -c $((F * 1024 * 1024)) /dev/urandom > "$work/rel-$r/app.bin"
  tar -C "$work/rel-$r" -cf - app.bin | gzip -1 > "$work/rel-$r.tar.gz"; rm -rf "$work/rel-$r"
done
zk_port=$(free_port)
"$murder" zookeeper --bind 127.0.0.1 --port "$zk_port" --data-dir "$work/zk" > "$work/zk.log" 2>&1 & pids+=($!)
wait_for 60 grep -q "zookeeper listening" "$work/zk.log" || { tail -5 "$work/zk.log" >&2; exit 1; }
for i in $(seq 1 "$H"); do
  p=$(free_port)
  "$murder" agent --name "a$i" --zk "127.0.0.1:$zk_port" --secret-file "$work/secret" --dest-root "$work/a$i" \
    --port-range "$p-$p" --ip 127.0.0.1 --metrics-port off > "$work/agent-$i.log" 2>&1 & pids+=($!)
done
for i in $(seq 1 "$H"); do wait_for 120 grep -q "registered" "$work/agent-$i.log" || { tail -5 "$work/agent-$i.log" >&2; exit 1; }; done
tracker_port=$(free_port)
seeder_port=$(free_port)

# the floors, in this run: a JVM start, and one pass of md5 and of SHA-1 over the archive
t0=$(now); "$murder" --version > /dev/null; jvm=$(echo "$(now) - $t0" | bc -l)
t0=$(now); md5sum "$work/rel-1.tar.gz" > /dev/null; sha1sum "$work/rel-1.tar.gz" > /dev/null; hashes=$(echo "$(now) - $t0" | bc -l)

published=()
for d in $(seq 1 "$D"); do
  r=$(( (d - 1) % 2 + 1 ))
  rm -f "$work/published" "$work/done"
  t0=$(now)
  "$murder" deploy "$work/rel-$r.tar.gz" --tag "d$d" --hosts 'a*' --zk "127.0.0.1:$zk_port" --secret-file "$work/secret" \
    --advertise 127.0.0.1 --tracker-port "$tracker_port" --seeder-ports "$seeder_port-$seeder_port" --seed-time 1s --grace 0s --timeout 120s \
    --metrics-port off --work-dir "$work/deploy" 2>&1 | while IFS= read -r line; do
      case "$line" in
        job*published*) now > "$work/published" ;;
        *"all $H hosts done"*) now > "$work/done" ;;
      esac
      printf '%s\n' "$line"
    done > "$work/deploy-$d.log" || true   # judged by its lines, below
  [ -f "$work/published" ] && [ -f "$work/done" ] \
    || { echo "deploy-start.sh: deploy d$d did not finish:" >&2; tail -5 "$work/deploy-$d.log" >&2; exit 1; }
  p=$(echo "$(cat "$work/published") - $t0" | bc -l)
  a=$(echo "$(cat "$work/done") - $t0" | bc -l)
  published+=("$p")
  printf 'deploy d%-3s job published %5.2f s after launch, all %d hosts done at %5.2f s\n' "$d" "$p" "$H" "$a"
  sleep 2   # its 1 s of seeding on the hosts ends
done
read -r mean low high < <(printf '%s\n' "${published[@]}" | awk '{s += $1; if (NR == 1 || $1 < lo) lo = $1; if ($1 > hi) hi = $1}
  END {printf "%.3f %.3f %.3f\n", s / NR, lo, hi}')
printf 'published: mean %.2f s (%.2f-%.2f) over %d deploys of %d MiB to %d agents\n' "$mean" "$low" "$high" "$D" "$F" "$H"
printf 'floors in this run: JVM start (murder --version) %.2f s, md5sum + sha1sum of the archive %.2f s: launch = %.2f x their sum\n' \
  "$jvm" "$hashes" "$(echo "$mean / ($jvm + $hashes)" | bc -l)"
