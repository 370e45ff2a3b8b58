#!/usr/bin/env bash
# Job fan-out: how fast a job written to ZooKeeper reaches every agent's watch.
#   bench/fanout.sh [AGENTS=200] [JOBS=10]
# Starts `murder zookeeper` (a separate process, 127.0.0.1, temporary data dir), N lightweight
# agents in one JVM (each its own ZooKeeper session and CuratorCache on /jobs; on a job they
# parse it, verify its signature, check the target and write 'accepted', as the real agent does),
# publishes JOBS jobs one after another and prints p50/p99/max of job-written -> accepted.
# Target (shared/DESIGN.md): p99 <= 0.5 s for 200 agents.
set -euo pipefail
agents=${1:-200}
jobs=${2:-10}
here=$(cd "$(dirname "$0")" && pwd -P)
root=$(cd "$here/.." && pwd -P)
[ -d "$root/murder/target/murder/lib" ] || { echo "build first: mvn -q package -DskipTests" >&2; exit 1; }
work=$(mktemp -d /tmp/murder-bench-fanout.XXXXXX)
zk_pid=
cleanup() { [ -n "$zk_pid" ] && kill "$zk_pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$root/bin/murder" zookeeper --bind 127.0.0.1 --port "$port" --data-dir "$work/zk" > "$work/zk.log" 2>&1 &
zk_pid=$!
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
(cd "$root" && mvn -q -o test-compile -pl orchestrator >/dev/null 2>&1 || mvn -q test-compile -pl orchestrator >/dev/null)
cp=$(cd "$root" && mvn -q -o dependency:build-classpath -pl orchestrator -Dmdep.outputFile=/dev/stdout -Dmdep.includeScope=test 2>/dev/null)
echo "# $(nproc) cores; ZooKeeper $(basename "$(ls "$root"/murder/target/murder/lib/zookeeper-3*.jar)" .jar) in its own process"
java -Xmx2g -cp "$root/orchestrator/target/test-classes:$root/orchestrator/target/classes:$cp" \
  org.murder.orchestrator.bench.FanoutBench "127.0.0.1:$port" "$agents" "$jobs"
