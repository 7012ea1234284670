#!/usr/bin/env bash
# Installs from Debian what etcdctl-ts's tests and quick start need, when missing:
# etcd and the reference etcdctl 3.4 (the system packages); bash, zsh and fish
# for the completion tests; util-linux's flock (offline defrag) and bsdutils'
# script (terminal tests). Then etcd, etcdctl and etcdutl 3.5.30 from Debian's
# sid suite, unpacked into a cache folder (see etcd35_dir) without touching
# the machine's apt configuration or its installed packages.
set -euo pipefail
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
missing=()
command -v etcd >/dev/null || missing+=(etcd-server)
command -v etcdctl >/dev/null || missing+=(etcd-client)
for sh in bash zsh fish; do command -v "$sh" >/dev/null || missing+=("$sh"); done
command -v flock >/dev/null || missing+=(util-linux)
command -v script >/dev/null || missing+=(bsdutils)
if [ ${#missing[@]} -gt 0 ]; then
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# etcd 3.5: the test harness finds it in $ETCD35_DIR (default below).
version=3.5.30
dest=${ETCD35_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/etcdctl-ts/etcd-$version}
have() { [ -x "$dest/etcd" ] && "$dest/etcd" --version 2>/dev/null | grep -q "Version: $version\$"; }
have && exit 0

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The Debian mirror this machine already uses, from its own sources.
codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
mirror=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk -v c="$codename" '
  /^URIs:/ { u = $2 } /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == c) { print u; exit } }')
if [ -z "$mirror" ]; then
  mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk -v c="$codename" '
    $1 == "deb" { for (i = 2; i < NF; i++) if ($i !~ /^\[/ && $(i + 1) == c) { print $i; exit } }')
fi
[ -n "$mirror" ] || { echo "install-deps: no Debian mirror for $codename in /etc/apt sources" >&2; exit 1; }

mkdir -p "$work/lists/partial" "$work/archives/partial" "$work/debs" "$work/root"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror sid main" >"$work/sources.list"
apt_opts=(
  -o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work" -o Dir::State::Status=/dev/null
  -o APT::Sandbox::User=root -qq
)
apt-get "${apt_opts[@]}" update
(cd "$work/debs" && apt-get "${apt_opts[@]}" download "etcd-server=$version-*" "etcd-client=$version-*")
for deb in "$work"/debs/*.deb; do dpkg -x "$deb" "$work/root"; done
mkdir -p "$(dirname "$dest")"
rm -rf "$dest.tmp"
cp -a "$work/root/usr/bin" "$dest.tmp"
rm -rf "$dest"
mv "$dest.tmp" "$dest"
have || { echo "install-deps: $dest/etcd is not etcd $version" >&2; exit 1; }
