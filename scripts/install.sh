#!/bin/sh
# Installs the built murder distribution and its services.
#
#   scripts/install.sh [--root DIR] [--prefix DIR] [--dist DIR] [--user NAME] [--no-user] [PREFIX]
#
#   --prefix DIR  where bin/ and lib/ go (default /opt/murder; a bare PREFIX argument means the same)
#   --root DIR    install under DIR instead of / (a package build or a test); paths written into the
#                 files stay as seen from the installed system, and no user is created
#   --dist DIR    the distribution to install (default: murder/target/murder beside this script,
#                 built by 'mvn -q package -DskipTests')
#   --user NAME   the system user the services run as (default murder; created when missing)
#   --no-user     do not create the user
#
# What it does: copies bin/ and lib/ into PREFIX (lib/ replaced whole, so old jars go), links
# /usr/local/bin/murder, creates the murder system user, /var/log/murder and /var/lib/murder/{seed,
# torrents,releases}, installs the systemd units (/etc/systemd/system) and the init.d scripts
# (/etc/init.d), and /etc/default/murder only when there is none (an operator's file is kept).
# It enables and starts nothing: see the lines it prints at the end.
set -eu

here=$(cd "$(dirname "$0")" && pwd -P)
root=/
prefix=/opt/murder
dist=$here/../murder/target/murder
user=murder
make_user=yes

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
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option '$1' (expected: --root, --prefix, --dist, --user, --no-user)" ;;
    *) prefix=$1; shift ;;
  esac
done

case "$prefix" in
  /*) ;;
  *) die "prefix '$prefix' (expected: an absolute path like /opt/murder)" ;;
esac
[ -x "$dist/bin/murder" ] && ls "$dist"/lib/*.jar >/dev/null 2>&1 \
  || die "no distribution at $dist (expected: bin/murder and lib/*.jar; build first: mvn -q package -DskipTests)"
[ -d "$here/systemd" ] && [ -d "$here/init.d" ] && [ -f "$here/default/murder" ] \
  || die "service files not found beside $0 (expected: systemd/, init.d/, default/murder)"

root=${root%/}
mkdir -p "$root/" || die "cannot create root $root"
real_root=no
[ -z "$root" ] && real_root=yes
if [ "$real_root" = yes ] && [ "$(id -u)" != 0 ]; then
  die "installing into / needs root (or give --root DIR)"
fi
say() { echo "install: $*"; }

# 1. bin/ and lib/: lib/ is replaced whole so that jars of an older version do not linger
dest=$root$prefix
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
  else
    useradd --system --home-dir /var/lib/murder --no-create-home --shell /usr/sbin/nologin --user-group "$user"
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
else
  subst "$here/default/murder" > "$root/etc/default/murder"
  chmod 644 "$root/etc/default/murder"
  say "/etc/default/murder"
fi
mkdir -p "$dest/share"
subst "$here/default/murder" > "$dest/share/default-murder"

if [ "$real_root" = yes ] && command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
fi
cat <<EOM
install: done. Next, on this host:
  edit /etc/default/murder (TRACKER_OPTS, SEEDER_OPTS, AGENT_OPTS, FIREWALL_OPTS)
  systemd:  systemctl enable --now murder-firewall murder-tracker murder-seeder   # deploy host
            systemctl enable --now murder-firewall murder-agent                   # every server
  init.d:   /etc/init.d/murder-tracker start   (and murder-seeder, murder-agent)
  deploy host and agents share the job secret: /etc/murder/secret (16+ characters,
            chown root:$user, chmod 640), the same file on every host
EOM
