#!/bin/sh
# Builds DIST/murder.jsa, a class-data-sharing archive of the classes a transfer loads, for the
# distribution in DIST (DIST/bin/murder, DIST/lib). bin/murder passes it to every JVM it starts,
# which cuts each start by about 0.3 CPU s (a 16-host swarm on 2 cores starts 17 JVMs).
#
# usage: scripts/cds-archive.sh DIST
# The archive is only valid for these jar files at this path and this JVM, so DIST/murder.jsa.id
# records them and bin/murder uses the archive only while they match (re-run this after a JDK
# update to get the gain back). The Maven build runs this for murder/target/murder,
# scripts/install.sh for the installed copy. Never fails the caller: when something goes wrong it
# says why and leaves no archive.
set -u
dist=$(cd "${1:?usage: cds-archive.sh DIST}" && pwd -P) || exit 0
java=${JAVA_HOME:+$JAVA_HOME/bin/}java
tmp=$(mktemp -d "${TMPDIR:-/tmp}/murder-cds.XXXXXX") || exit 0
trap 'rm -rf "$tmp"' EXIT
rm -f "$dist/murder.jsa" "$dist/murder.jsa.id"
# 1. the classes `murder selftest` loads: tracker, make-torrent, seed and peer over loopback
if ! MURDER_JAVA_OPTS="-XX:DumpLoadedClassList=$tmp/classes.lst" "$dist/bin/murder" selftest --size 8MiB \
    --port-range 46881-46999 > "$tmp/selftest.log" 2>&1; then
  echo "cds-archive: murder selftest failed, no archive:" >&2
  tail -5 "$tmp/selftest.log" >&2
  exit 0
fi
# 2. without lambda-proxy entries: OpenJDK 17.0.15 crashes archiving them
#    (SystemDictionaryShared::adjust_lambda_proxy_class_dictionary); the classes are the gain
grep -v '^@lambda-proxy' "$tmp/classes.lst" > "$tmp/classes-no-lambda.lst"
# 3. the archive, for the class path bin/murder uses, written beside and renamed into place with
#    the identity bin/murder checks before using it (these jars, this JVM)
if "$java" -Xshare:dump -XX:SharedClassListFile="$tmp/classes-no-lambda.lst" -XX:SharedArchiveFile="$dist/murder.jsa.tmp" \
    -XX:ErrorFile="$tmp/hs_err_%p.log" -cp "$dist/lib/*" > "$tmp/dump.log" 2>&1 \
    && MURDER_CDS_ID=print "$dist/bin/murder" > "$dist/murder.jsa.id.tmp"; then
  mv "$dist/murder.jsa.tmp" "$dist/murder.jsa"
  mv "$dist/murder.jsa.id.tmp" "$dist/murder.jsa.id"
  echo "cds-archive: $dist/murder.jsa ($(grep -c . "$tmp/classes-no-lambda.lst") classes)"
else
  rm -f "$dist/murder.jsa.tmp" "$dist/murder.jsa.id.tmp"
  echo "cds-archive: the JVM could not dump the archive, none written:" >&2
  tail -5 "$tmp/dump.log" >&2
fi
exit 0
