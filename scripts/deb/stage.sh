#!/bin/sh
# Lays out the tree of the .deb (the Maven build runs this, then jdeb packs it; see murder/pom.xml):
#
#   scripts/deb/stage.sh DIST DOCS STAGE
#
#   DIST   the distribution (murder/target/murder: bin/murder, lib/*.jar, lib/native)
#   DOCS   generated docs (man/*.1 from the picocli commands, murder.bash: the completion)
#   STAGE  the tree to fill (emptied first)
#
# The service files are the ones of scripts/ (the same files scripts/install.sh installs), with
# /opt/murder rewritten to /usr/share/murder: one source for both installs.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd -P)
dist=${1:?usage: stage.sh DIST DOCS STAGE}
docs=${2:?usage: stage.sh DIST DOCS STAGE}
stage=${3:?usage: stage.sh DIST DOCS STAGE}
home=/usr/share/murder

rm -rf "$stage"
# the package of an earlier build (its name holds the build time): only the new one stays beside it
rm -f "$(dirname "$stage")"/murder_*.deb
mkdir -p "$stage$home/bin" "$stage$home/lib" "$stage/lib/systemd/system" "$stage/etc/init.d" "$stage/etc/default" \
  "$stage/etc/murder" "$stage/etc/logrotate.d" "$stage/usr/share/man/man1" "$stage/usr/share/bash-completion/completions" \
  "$stage/usr/share/doc/murder"

# 1. the distribution (the build's class-data-sharing archive is for its own path: postinst makes one)
cp "$dist/bin/murder" "$stage$home/bin/murder"
cp "$dist"/lib/*.jar "$stage$home/lib/"
cp -R "$dist/lib/native" "$stage$home/lib/native"
cp "$here/cds-archive.sh" "$stage$home/cds-archive.sh"

# 2. services, defaults and the sample configuration
subst() { sed -e "s#/opt/murder#$home#g" "$1"; }
for unit in "$here"/systemd/*.service; do
  subst "$unit" > "$stage/lib/systemd/system/${unit##*/}"
done
for script in "$here"/init.d/murder-*; do
  subst "$script" > "$stage/etc/init.d/${script##*/}"
done
subst "$here/default/murder" > "$stage/etc/default/murder"
cp "$here/murder.conf" "$stage/etc/murder/murder.conf"
cp "$here/deb/logrotate" "$stage/etc/logrotate.d/murder"

# 3. man pages and completion generated from the commands (murder/pom.xml)
for page in "$docs"/man/*.1; do
  gzip -9n < "$page" > "$stage/usr/share/man/man1/${page##*/}.gz"
done
cp "$docs/murder.bash" "$stage/usr/share/bash-completion/completions/murder"
cp "$here/deb/copyright" "$stage/usr/share/doc/murder/copyright"

echo "deb-stage: $stage ($(find "$stage" -type f | wc -l | tr -d ' ') files)"
