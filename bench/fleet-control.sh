#!/usr/bin/env bash
# The control plane at fleet size.
#   bench/fleet-control.sh [AGENTS=1000] [JVMS=AGENTS/1250 rounded up] [DOWNLOAD_SECONDS=20]
# A real 3-server ensemble (`murder zookeeper --myid N` processes on loopback), AGENTS agents with
# real Curator sessions, the agent's own registration, job watcher and reporter (its report
# cadence), several agent JVMs; the download is simulated (progress over DOWNLOAD_SECONDS). A real
# `murder deploy` process targets them all; the ensemble's leader is killed (SIGKILL) mid-deploy.
# Prints: job written -> accepted p50/p99/max, ZooKeeper writes per host and the peak a second
# (the members' own zxid, sampled with `srvr` every 100 ms), the deployer's CPU, the new leader's
# election time, hosts done, job starts (reruns).
# Targets (issue 17) at 5,000 agents: accepted p99 <= 1 s; <= 8 writes per host per deploy;
# <= 2,000 writes/s; the leader kill survived with every report and no job rerun.
set -euo pipefail
agents=${1:-1000}
jvms=${2:-$(( (agents + 1249) / 1250 ))}
download=${3:-20}
here=$(cd "$(dirname "$0")" && pwd -P)
root=$(cd "$here/.." && pwd -P)
[ -d "$root/murder/target/murder/lib" ] || { echo "build first: mvn -q install -DskipTests -Ddeb.skip" >&2; exit 1; }
# each agent has a few threads (its ZooKeeper client's two, Curator's, watcher, reporter): 5,000
# agents need more than the default 32,768 pids
if [ "$(cat /proc/sys/kernel/pid_max)" -lt 4194304 ] && [ "$(id -u)" = 0 ]; then
  echo "# raising kernel.pid_max to 4194304 for $agents agents' threads" >&2
  echo 4194304 > /proc/sys/kernel/pid_max
fi
(cd "$root" && mvn -q -o test-compile -pl murder >/dev/null 2>&1 || mvn -q test-compile -pl murder >/dev/null)
cp=$(cd "$root" && mvn -q -o dependency:build-classpath -pl murder -Dmdep.outputFile=/dev/stdout -Dmdep.includeScope=test 2>/dev/null)
echo "# $(nproc) cores; $agents agents in $jvms JVMs; ZooKeeper $(basename "$(ls "$root"/murder/target/murder/lib/zookeeper-3*.jar)" .jar), 3 members in their own processes"
cd "$root/murder"
java -Xmx1g -cp "$root/murder/target/test-classes:$root/murder/target/classes:$cp" org.murder.cli.FleetControl "$agents" "$jvms" "$download"
