#!/bin/sh
# Installs the built murder distribution and its services.
#
#   scripts/install.sh [--root DIR] [--prefix DIR] [--dist DIR] [--user NAME] [--no-user] [PREFIX]
#   scripts/install.sh --uninstall [--purge] [--root DIR] [--prefix DIR] [PREFIX]
#
#   --prefix DIR  where bin/ and lib/ go (default /opt/murder; a bare PREFIX argument means the same)
#   --root DIR    install under DIR instead of / (a package build or a test); paths written into the
#                 files stay as seen from the installed system, and no user is created
#   --dist DIR    the distribution to install (default: murder/target/murder beside this script,
#                 built by 'mvn -q package -DskipTests')
#   --user NAME   the system user the services run as (default murder; created when missing)
#   --no-user     do not create the user
#   --uninstall   stop and remove what an install put there: PREFIX/bin, lib, share, the CDS archive,
#                 /usr/local/bin/murder, the systemd units and init.d scripts; keeps /etc/default/murder,
#                 /etc/murder (murder.conf, the secret), /etc/logrotate.d/murder, /var/lib/murder,
#                 /var/log/murder and the user
#   --purge       with --uninstall: also remove /etc/default/murder, /etc/murder, /etc/logrotate.d/murder,
#                 /var/lib/murder (the releases under it too) and /var/log/murder (the user stays: userdel murder)
#
# What it does: copies bin/ and lib/ into PREFIX (lib/ replaced whole, so old jars go), links
# /usr/local/bin/murder, creates the murder system user, /var/log/murder and /var/lib/murder/{seed,
# torrents,releases}, installs the systemd units (/etc/systemd/system) and the init.d scripts
# (/etc/init.d), and /etc/default/murder, /etc/murder/murder.conf and /etc/logrotate.d/murder (the
# init.d services' logs) only when there are none (an operator's files are kept).
# It enables and starts nothing: see the lines it prints at the end. An upgrade (a murder already in
# PREFIX) restarts the services that were running, as the Debian package does.
set -eu

here=$(cd "$(dirname "$0")" && pwd -P)
root=/
prefix=/opt/murder
dist=$here/../murder/target/murder
user=murder
make_user=yes
uninstall=no
purge=no

die() { echo "install.sh: $*" >&2; exit 2; }

while [ $# -gt 0 ]; do
  case "$1" in
    --root) [ $# -ge 2 ] || die "--root needs a directory"; root=$2; shift 2 ;;
    --root=*) root=${1#--root=}; shift ;;
    --prefix) [ $# -ge 2 ] || die "--prefix needs a directory"; prefix=$2; shift 2 ;;
    --prefix=*) prefix=${1#--prefix=}; shift ;;
    --dist) [ $# -ge 2 ] || die "--dist needs a directory"; dist=$2; shift 2 ;;
    --dist=*) dist=${1#--dist=}; shift ;;
    --user) [ $# -ge 2 ] || die "--user needs a name"; user=$2; shift 2 ;;
    --user=*) user=${1#--user=}; shift ;;
    --no-user) make_user=no; shift ;;
    --uninstall) uninstall=yes; shift ;;
    --purge) purge=yes; shift ;;
    -h|--help) sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option '$1' (expected: --root, --prefix, --dist, --user, --no-user, --uninstall, --purge)" ;;
    *) prefix=$1; shift ;;
  esac
done

case "$prefix" in
  /*) ;;
  *) die "prefix '$prefix' (expected: an absolute path like /opt/murder)" ;;
esac
# it is written into unit files, sed expressions and /etc/default/murder: nothing they would read otherwise
case "$prefix" in
  *[!A-Za-z0-9/._+-]*) die "prefix '$prefix' (expected: letters, digits and / . _ + - only, like /opt/murder)" ;;
esac
[ "$purge" = no ] || [ "$uninstall" = yes ] || die "--purge goes with --uninstall"
[ -d "$here/systemd" ] && [ -d "$here/init.d" ] && [ -f "$here/default/murder" ] \
  || die "service files not found beside $0 (expected: systemd/, init.d/, default/murder)"
root=${root%/}
say() { echo "install: $*"; }
systemd_running() { [ -z "$root" ] && command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; }

if [ "$uninstall" = yes ]; then
  [ -n "$root" ] || [ "$(id -u)" = 0 ] || die "uninstalling from / needs root (or give --root DIR)"
  say() { echo "uninstall: $*"; }
  dest=$root$prefix
  # 1. stop the services (only on the real system), then their files
  for unit in "$here"/systemd/*.service; do
    name=$(basename "$unit")
    if systemd_running; then
      systemctl disable --now "$name" >/dev/null 2>&1 || true
    fi
    rm -f "$root/etc/systemd/system/$name"
  done
  for script in "$here"/init.d/murder-*; do
    name=$(basename "$script")
    if [ -z "$root" ] && ! systemd_running && [ -x "/etc/init.d/$name" ]; then
      "/etc/init.d/$name" stop >/dev/null 2>&1 || true
    fi
    rm -f "$root/etc/init.d/$name"
  done
  systemd_running && systemctl daemon-reload
  say "units and init.d scripts removed"
  # 2. the link, if it is ours, and what an install put into PREFIX (nothing else there: PREFIX may be shared)
  if [ "$(readlink "$root/usr/local/bin/murder" 2>/dev/null)" = "$prefix/bin/murder" ]; then
    rm -f "$root/usr/local/bin/murder"
  fi
  rm -rf "$dest/lib" "$dest/lib.new" "$dest/lib.old"
  rm -f "$dest/bin/murder" "$dest/murder.jsa" "$dest/murder.jsa.id" "$dest/share/default-murder" "$dest/share/murder.conf"
  rmdir "$dest/bin" "$dest/share" "$dest" 2>/dev/null || true
  say "$prefix and /usr/local/bin/murder removed"
  # 3. configuration and data: only with --purge
  if [ "$purge" = yes ]; then
    rm -rf "$root/etc/default/murder" "$root/etc/murder" "$root/etc/logrotate.d/murder" "$root/var/lib/murder" "$root/var/log/murder"
    say "purged /etc/default/murder, /etc/murder, /etc/logrotate.d/murder, /var/lib/murder, /var/log/murder (user $user kept: userdel $user)"
  else
    say "kept /etc/default/murder, /etc/murder, /etc/logrotate.d/murder, /var/lib/murder, /var/log/murder (--purge removes them)"
  fi
  exit 0
fi

[ -x "$dist/bin/murder" ] && ls "$dist"/lib/*.jar >/dev/null 2>&1 \
  || die "no distribution at $dist (expected: bin/murder and lib/*.jar; build first: mvn -q package -DskipTests)"
mkdir -p "$root/" || die "cannot create root $root"
real_root=no
[ -z "$root" ] && real_root=yes
if [ "$real_root" = yes ] && [ "$(id -u)" != 0 ]; then
  die "installing into / needs root (or give --root DIR)"
fi

# 1. bin/ and lib/: lib/ is replaced whole so that jars of an older version do not linger
dest=$root$prefix
upgrade=no
[ -x "$dest/bin/murder" ] && upgrade=yes
mkdir -p "$dest/bin"
rm -rf "$dest/lib.new"
mkdir -p "$dest/lib.new"
cp "$dist"/lib/*.jar "$dest/lib.new/"
# the native libraries (digests, epoll), unpacked at build time: bin/murder loads them from there
[ -d "$dist/lib/native" ] && cp -R "$dist/lib/native" "$dest/lib.new/native"
cp "$dist/bin/murder" "$dest/bin/murder.new" && chmod 755 "$dest/bin/murder.new" && mv -f "$dest/bin/murder.new" "$dest/bin/murder"
rm -rf "$dest/lib.old"
[ -d "$dest/lib" ] && mv "$dest/lib" "$dest/lib.old"
mv "$dest/lib.new" "$dest/lib"
rm -rf "$dest/lib.old"
say "$prefix/bin/murder and $(ls "$dest/lib"/*.jar | wc -l | tr -d ' ') jars in $prefix/lib"
rm -f "$dest/murder.jsa" "$dest/murder.jsa.id"
if [ "$real_root" = yes ]; then
  # the class-data-sharing archive is tied to these jars at this path: made here, not copied
  sh "$here/cds-archive.sh" "$dest" | sed 's/^/install: /'
fi
mkdir -p "$root/usr/local/bin"
ln -sfn "$prefix/bin/murder" "$root/usr/local/bin/murder"
say "/usr/local/bin/murder -> $prefix/bin/murder"

# 2. the user the services run as (only on the real system)
if [ "$real_root" = yes ] && [ "$make_user" = yes ]; then
  if id "$user" >/dev/null 2>&1; then
    say "user $user exists"
    if ! getent group "$user" >/dev/null 2>&1; then # /etc/murder is root:$user (the job secret): the group must be
      groupadd --system "$user"
      usermod -a -G "$user" "$user" # the init.d scripts run services with the user's own groups; the secret is root:$user 0640
      say "created group $user, with user $user in it"
    fi
  else
    if getent group "$user" >/dev/null 2>&1; then # a group of the name made before: the user joins it
      useradd --system --home-dir /var/lib/murder --no-create-home --shell /usr/sbin/nologin --gid "$user" "$user"
    else
      useradd --system --home-dir /var/lib/murder --no-create-home --shell /usr/sbin/nologin --user-group "$user"
    fi
    say "created system user $user"
  fi
else
  say "user $user not created (--root or --no-user)"
fi

# 3. log and data directories
mkdir -p "$root/var/log/murder" "$root/var/lib/murder/seed" "$root/var/lib/murder/torrents" "$root/var/lib/murder/releases"
if [ "$real_root" = yes ] && id "$user" >/dev/null 2>&1; then
  chown "$user:" /var/log/murder /var/lib/murder /var/lib/murder/seed /var/lib/murder/torrents /var/lib/murder/releases
fi
say "/var/log/murder, /var/lib/murder/{seed,torrents,releases}"

# 4. systemd units and init.d scripts, pointed at PREFIX and USER
subst() {
  sed -e "s#/opt/murder#$prefix#g" -e "s#^User=murder\$#User=$user#" -e "s#^Group=murder\$#Group=$user#" \
      -e "s#^MURDER_USER=murder\$#MURDER_USER=$user#" "$1"
}
mkdir -p "$root/etc/systemd/system" "$root/etc/init.d" "$root/etc/default" "$root/etc/murder"
for unit in "$here"/systemd/*.service; do
  subst "$unit" > "$root/etc/systemd/system/$(basename "$unit")"
  chmod 644 "$root/etc/systemd/system/$(basename "$unit")"
done
say "/etc/systemd/system/: $(cd "$here/systemd" && echo *.service)"
for script in "$here"/init.d/murder-*; do
  subst "$script" > "$root/etc/init.d/$(basename "$script")"
  chmod 755 "$root/etc/init.d/$(basename "$script")"
done
say "/etc/init.d/: $(cd "$here/init.d" && echo murder-*)"
if [ -e "$root/etc/default/murder" ]; then
  say "/etc/default/murder kept (the sample is $prefix/share/default-murder)"
  # kept from an install into another prefix (an --uninstall keeps it), its MURDER_HOME would have the init.d
  # scripts run a murder that is gone: that one line follows the install, the operator's other lines stay
  old_home=$(sed -n 's/^MURDER_HOME=\("[^"]*"\|[^ #]*\).*/\1/p' "$root/etc/default/murder" | tail -n 1 | tr -d "\"'")
  if [ -n "$old_home" ] && [ "$old_home" != "$prefix" ]; then
    # that value only (a comment after it stays), written in place (the file keeps its owner and mode)
    edited=$(sed "s#^MURDER_HOME=\(\"[^\"]*\"\|[^ #]*\)#MURDER_HOME=$prefix#" "$root/etc/default/murder") \
      && printf '%s\n' "$edited" > "$root/etc/default/murder"
    say "/etc/default/murder: MURDER_HOME=$old_home changed to $prefix (where murder is now installed)"
  fi
else
  subst "$here/default/murder" > "$root/etc/default/murder"
  chmod 644 "$root/etc/default/murder"
  say "/etc/default/murder"
fi
mkdir -p "$dest/share"
subst "$here/default/murder" > "$dest/share/default-murder"
if [ -e "$root/etc/murder/murder.conf" ]; then
  say "/etc/murder/murder.conf kept (the sample is $prefix/share/murder.conf)"
else
  cp "$here/murder.conf" "$root/etc/murder/murder.conf"
  chmod 644 "$root/etc/murder/murder.conf"
  say "/etc/murder/murder.conf (every setting commented out)"
fi
cp "$here/murder.conf" "$dest/share/murder.conf"
# the init.d services log to /var/log/murder/NAME.log (systemd's go to the journal)
if [ -e "$root/etc/logrotate.d/murder" ]; then
  say "/etc/logrotate.d/murder kept"
elif [ -f "$here/deb/logrotate" ]; then
  mkdir -p "$root/etc/logrotate.d"
  sed -e "s#^\( *su \)murder murder\$#\1$user $user#" "$here/deb/logrotate" > "$root/etc/logrotate.d/murder"
  chmod 644 "$root/etc/logrotate.d/murder"
  say "/etc/logrotate.d/murder"
fi
if [ "$real_root" = yes ] && id "$user" >/dev/null 2>&1; then
  chgrp "$user" /etc/murder   # the job secret goes here, root:$user mode 640
fi

if systemd_running; then
  systemctl daemon-reload
fi
# 5. an upgrade restarts what was running on the new jars (enabling stays the operator's choice)
if [ "$upgrade" = yes ] && [ "$real_root" = yes ]; then
  restarted=""
  # ZooKeeper first, the agent last; not murder-firewall: a restart removes the rules, then applies the same again
  if systemd_running; then
    for name in murder-zookeeper murder-tracker murder-seeder murder-agent; do
      if systemctl is-active --quiet "$name"; then
        systemctl restart "$name" && restarted="$restarted $name" || echo "install: $name did not restart: systemctl status $name" >&2
      fi
    done
  else
    for name in murder-tracker murder-seeder murder-agent; do
      [ -x "/etc/init.d/$name" ] || continue
      if "/etc/init.d/$name" status >/dev/null 2>&1; then
        "/etc/init.d/$name" restart >/dev/null && restarted="$restarted $name" || echo "install: $name did not restart: /etc/init.d/$name status" >&2
      fi
    done
  fi
  say "upgrade: restarted${restarted:- nothing (no murder service was running)}"
fi
cat <<EOM
install: done. Next, on this host:
  edit /etc/murder/murder.conf (zk, agent.roles, ...) and, for extra flags, /etc/default/murder
  systemd:  systemctl enable --now murder-firewall murder-tracker murder-seeder   # deploy host
            systemctl enable --now murder-firewall murder-agent                   # every server
  init.d:   /etc/init.d/murder-tracker start   (and murder-seeder, murder-agent)
  deploy host and agents share the job secret, the same on every host (16+ characters):
            install -m 640 -o root -g $user /dev/null /etc/murder/secret
            head -c 24 /dev/urandom | base64 > /etc/murder/secret   # on one host; copy it to the others
EOM
