#!/bin/sh
# Builds DIST/murder.jsa, a class-data-sharing archive of the classes a transfer and a deploy load,
# for the distribution in DIST (DIST/bin/murder, DIST/lib). bin/murder passes it to every JVM it
# starts, which cuts each start by about 0.3 CPU s (a 16-host swarm on 2 cores starts 17 JVMs), and
# a deploy's launch to its published job by about 0.2 s (1.39 -> 1.17 s for 64 MiB here, see
# bench/deploy-start.sh: ZooKeeper's client, Curator and Jackson were loaded from the jars and
# verified on every deploy).
#
# usage: scripts/cds-archive.sh DIST
# The archive is only valid for these jar files at this path and this JVM, so DIST/murder.jsa.id
# records them and bin/murder uses the archive only while they match (re-run this after a JDK
# update to get the gain back). The Maven build runs this for murder/target/murder,
# scripts/install.sh for the installed copy. Never fails the caller: when something goes wrong it
# says why and leaves no archive.
set -u
dist=$(cd "${1:?usage: cds-archive.sh DIST}" && pwd -P) || exit 0
# Nothing of the host's: not its murder.conf (its agent.hooks-file, overlays, zk-auth-file, rack: a
# package install ran the operator's activation hooks, a drain and an application restart, twice)
# nor its MURDER_* variables. Every command below is given all it needs.
for v in $(env | sed -n 's/^\(MURDER_[A-Za-z0-9_]*\)=.*/\1/p'); do
  unset "$v"
done
MURDER_CONF=/dev/null
export MURDER_CONF
java=${JAVA_HOME:+$JAVA_HOME/bin/}java
# not under a TMPDIR with spaces: the paths below travel in MURDER_JAVA_OPTS, which bin/murder splits
case "${TMPDIR:-/tmp}" in *" "*) base=/tmp ;; *) base=${TMPDIR:-/tmp} ;; esac
# a run killed outright (SIGKILL runs no trap) left its directory: ours untouched for an hour go
find "$base" -maxdepth 1 -type d -name 'murder-cds.??????' -user "$(id -u)" -mmin +60 -exec rm -rf {} + 2>/dev/null
tmp=$(mktemp -d "$base/murder-cds.XXXXXX") || exit 0
zk_pid=
agent_pid=
# the ZooKeeper and agent of step 2 get SIGTERM when this script dies, even of SIGKILL (which runs
# no trap): util-linux's setpriv sets their parent-death signal
orphan_stop=
setpriv --pdeathsig TERM true 2>/dev/null && orphan_stop="setpriv --pdeathsig TERM --"
# end PID: SIGTERM (it writes its class list as it exits), SIGKILL after 20 s
end() {
  kill "$1" 2>/dev/null || return 0
  n=0
  while kill -0 "$1" 2>/dev/null && [ $n -lt 200 ]; do sleep 0.1; n=$((n + 1)); done
  kill -9 "$1" 2>/dev/null
  wait "$1" 2>/dev/null
}
# the control plane's processes (step 2), stopped at exit whatever happened
stop() {
  [ -z "$agent_pid" ] || end "$agent_pid"
  [ -z "$zk_pid" ] || end "$zk_pid"
  agent_pid=
  zk_pid=
}
trap 'stop; rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
rm -f "$dist/murder.jsa" "$dist/murder.jsa.id"
# 1. the classes `murder selftest` loads: tracker, make-torrent, seed and peer over loopback
if ! MURDER_JAVA_OPTS="-XX:DumpLoadedClassList=$tmp/classes.lst" "$dist/bin/murder" selftest --size 8MiB \
    --port-range 46881-46999 > "$tmp/selftest.log" 2>&1; then
  echo "cds-archive: murder selftest failed, no archive:" >&2
  tail -5 "$tmp/selftest.log" >&2
  exit 0
fi
# 2. the classes of the control plane: `murder zookeeper`, `murder agent` (its warm-up included) and
#    two `murder deploy` of a directory (packing, then a changed release rebuilt from the first and
#    activated), each process with its own list, on 127.0.0.1 ports 46781-46799. Optional: when
#    any of it fails (a port in use), the archive holds the transfer's classes alone.
control_plane() {
  murder="$dist/bin/murder"
  # wait_for LOG TEXT SECONDS PID: until LOG says TEXT, PID exited or SECONDS passed
  wait_for() {
    n=0
    while [ $n -lt $(($3 * 10)) ]; do
      grep -q "$2" "$1" 2>/dev/null && return 0
      kill -0 "$4" 2>/dev/null || break
      sleep 0.1
      n=$((n + 1))
    done
    echo "cds-archive: no '$2' in $1 (waited at most $3 s)" >&2
    tail -3 "$1" >&2
    return 1
  }
  head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$tmp/secret" && chmod 600 "$tmp/secret" || return 1
  mkdir -p "$tmp/release" && head -c 1048576 /dev/urandom > "$tmp/release/app.bin" && echo one > "$tmp/release/VERSION" || return 1
  MURDER_JAVA_OPTS="-XX:DumpLoadedClassList=$tmp/zookeeper.lst" $orphan_stop "$murder" zookeeper --bind 127.0.0.1 --port 46781 \
    --data-dir "$tmp/zk" > "$tmp/zookeeper.log" 2>&1 &
  zk_pid=$!
  wait_for "$tmp/zookeeper.log" "zookeeper listening" 60 "$zk_pid" || { stop; return 1; }
  MURDER_JAVA_OPTS="-XX:DumpLoadedClassList=$tmp/agent.lst" $orphan_stop "$murder" agent --name cds-archive --zk 127.0.0.1:46781 \
    --secret-file "$tmp/secret" --dest-root "$tmp/agent" --port-range 46790-46799 --ip 127.0.0.1 --metrics-port off \
    > "$tmp/agent.log" 2>&1 &
  agent_pid=$!
  wait_for "$tmp/agent.log" "registered" 120 "$agent_pid" || { stop; return 1; }
  for r in 1 2; do
    [ $r = 1 ] || echo two > "$tmp/release/VERSION"
    if ! MURDER_JAVA_OPTS="-XX:DumpLoadedClassList=$tmp/deploy-$r.lst" timeout 120 "$murder" deploy "$tmp/release" \
        --tag "cds-$r" --hosts cds-archive --activate --zk 127.0.0.1:46781 --secret-file "$tmp/secret" --advertise 127.0.0.1 \
        --tracker-port 46782 --seeder-ports 46783-46789 --seed-time 1s --grace 0s --timeout 60s --metrics-port off \
        --work-dir "$tmp/deploy" > "$tmp/deploy-$r.log" 2>&1; then
      echo "cds-archive: murder deploy failed:" >&2
      tail -3 "$tmp/deploy-$r.log" >&2
      stop
      return 1
    fi
  done
  stop # the agent and ZooKeeper write their lists as they exit
  for f in zookeeper agent deploy-1 deploy-2; do
    [ -s "$tmp/$f.lst" ] || { echo "cds-archive: no class list from $f" >&2; return 1; }
  done
}
if control_plane; then
  set -- "$tmp/classes.lst" "$tmp/zookeeper.lst" "$tmp/agent.lst" "$tmp/deploy-1.lst" "$tmp/deploy-2.lst"
else
  echo "cds-archive: the archive holds the transfer's classes only (the deploy's start stays as it was)" >&2
  set -- "$tmp/classes.lst"
fi
# 3. one list (each class once, in the order first loaded), without lambda-proxy entries: OpenJDK
#    17.0.15 crashes archiving them (SystemDictionaryShared::adjust_lambda_proxy_class_dictionary);
#    the classes are the gain
# merge LIST...: the lists' classes once each, without comments and lambda proxies, into classes-no-lambda.lst
merge() {
  cat "$@" | awk '/^#/ || /^@lambda-proxy/ { next } !seen[$0]++' > "$tmp/classes-no-lambda.lst"
}
merge "$@"
# 4. the archive, for the class path bin/murder uses, written beside and renamed into place with
#    the identity bin/murder checks before using it (these jars, this JVM); when the JVM cannot dump
#    the merged list, the transfer's list alone
dump() {
  "$java" -Xshare:dump -XX:SharedClassListFile="$1" -XX:SharedArchiveFile="$dist/murder.jsa.tmp" \
    -XX:ErrorFile="$tmp/hs_err_%p.log" -cp "$dist/lib/*" > "$tmp/dump.log" 2>&1
}
dumped=no
if dump "$tmp/classes-no-lambda.lst"; then
  dumped=yes
elif [ $# -gt 1 ]; then
  echo "cds-archive: the JVM could not dump the control plane's classes, the transfer's alone:" >&2
  tail -3 "$tmp/dump.log" >&2
  merge "$tmp/classes.lst" && dump "$tmp/classes-no-lambda.lst" && dumped=yes
fi
if [ $dumped = yes ] && MURDER_CDS_ID=print "$dist/bin/murder" > "$dist/murder.jsa.id.tmp"; then
  mv "$dist/murder.jsa.tmp" "$dist/murder.jsa"
  mv "$dist/murder.jsa.id.tmp" "$dist/murder.jsa.id"
  echo "cds-archive: $dist/murder.jsa ($(grep -c . "$tmp/classes-no-lambda.lst") classes)"
else
  rm -f "$dist/murder.jsa.tmp" "$dist/murder.jsa.id.tmp"
  echo "cds-archive: the JVM could not dump the archive, none written:" >&2
  tail -5 "$tmp/dump.log" >&2
fi
exit 0
