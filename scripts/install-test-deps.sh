#!/usr/bin/env bash
# Installs what the build and the interop tests need on Debian/Ubuntu (run as root):
# a JDK 17 and Maven, the real BitTorrent tools the interop tests talk to, and the firewall and
# network-namespace tools of the firewall tests (iptables, nftables, iproute2), the swarm bench (curl),
# the tools that must read every archive form (zstd, tar, gzip); promtool, which checks every
# daemon's /metrics (Debian ships it in the prometheus package; on CI the metrics tests fail without it);
# and for the packaging tests (DebPackageIT, SystemdUnitsIT, AnsibleRoleIT): systemd-analyze (systemd),
# what the .deb's scripts use (adduser, man-db, logrotate) and Ansible (ansible-core, python3-apt for its apt module);
# HAProxy and socat for the rollout test behind a load balancer (HaproxyRolloutIT: its hooks drive HAProxy's admin socket);
# Chromium, run headless by DeployWebIT to load the live deploy page (deploy --web) and keep a screenshot of it.
set -euo pipefail
packages=(openjdk-17-jdk-headless maven transmission-cli mktorrent python3-libtorrent aria2 rtorrent ctorrent opentracker bc iptables nftables iproute2 curl zstd tar gzip
  prometheus systemd adduser man-db logrotate ansible-core python3-apt haproxy socat chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
