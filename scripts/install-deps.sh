#!/usr/bin/env bash
# Installs from Debian what etcdctl-ts's tests and quick start need, when missing:
# etcd and the reference etcdctl 3.4 (the system packages); bash, zsh and fish
# for the completion tests; util-linux's flock (offline defrag) and bsdutils'
# script (terminal tests); python3 and PyYAML. Then etcd 3.6 and 3.7 and upstream's etcdctl and
# etcdutl 3.5, built from the Go module proxy, and etcd, etcdctl and etcdutl
# 3.5 from Debian's sid suite, unpacked into a cache folder without touching
# the machine's apt configuration or its installed packages. Versions:
# etcd-versions.env.
set -euo pipefail
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
missing=()
command -v etcd >/dev/null || missing+=(etcd-server)
command -v etcdctl >/dev/null || missing+=(etcd-client)
for sh in bash zsh fish; do command -v "$sh" >/dev/null || missing+=("$sh"); done
command -v flock >/dev/null || missing+=(util-linux)
command -v script >/dev/null || missing+=(bsdutils)
command -v go >/dev/null || [ -x /usr/local/go/bin/go ] || missing+=(golang-go)
# python3 measures peak memory in the bench; PyYAML reads YAML back in the tests.
command -v python3 >/dev/null || missing+=(python3)
python3 -c 'import yaml' 2>/dev/null || missing+=(python3-yaml)
if [ ${#missing[@]} -gt 0 ]; then
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
fi

[ -x /usr/local/go/bin/go ] && PATH=$PATH:/usr/local/go/bin
here=$(cd "$(dirname "$0")" && pwd)
. "$here/etcd-versions.env"
cache=${XDG_CACHE_HOME:-$HOME/.cache}/etcdctl-ts

# etcd 3.6 and 3.7 (server, etcdctl, etcdutl), and upstream's etcdctl and
# etcdutl 3.5, built with the machine's Go from the Go module proxy into
# $cache/etcd-<version>[-upstream]/. Each binary gets a throwaway module of
# its own: one shared by the three would lift etcdctl's dependencies (its
# table and CLI libraries, and so its bytes) to what the others require,
# and the modules' own replace lines stop `go install …@version`.
# `etcd --version`, `etcdctl version`, `etcdutl version`: "… version: 3.7.3".
# The output is taken whole first: grep -q stops reading at its match, and
# under pipefail the writer's SIGPIPE would fail the check.
is_version() {
  [ -x "$1" ] || return 1
  local out
  if [ "${1##*/}" = etcd ]; then out=$("$1" --version 2>/dev/null); else out=$("$1" version 2>/dev/null); fi || return 1
  grep -qi "version: $2\$" <<<"$out"
}
build() { # build <version> <module dir> <binary> <dest dir>
  local v=$1 mod=$2 bin=$3 out=$4
  is_version "$out/$bin" "$v" && return
  command -v go >/dev/null || { echo "install-deps: go is needed to build etcd $v" >&2; exit 1; }
  local w
  w=$(mktemp -d)
  (
    cd "$w"
    # auto: a Go older than the module needs fetches the toolchain from the proxy.
    export GOFLAGS=-mod=mod GOTOOLCHAIN=auto
    go mod init local/etcdbuild >/dev/null 2>&1
    go get "go.etcd.io/etcd/$mod/v3@v$v" >/dev/null 2>&1 || { echo "install-deps: go get go.etcd.io/etcd/$mod/v3@v$v failed" >&2; exit 1; }
    CGO_ENABLED=0 go build -trimpath -installsuffix=cgo -o "$w/$bin" "go.etcd.io/etcd/$mod/v3"
  ) || { rm -rf "$w"; exit 1; }
  mkdir -p "$out"
  mv "$w/$bin" "$out/$bin.tmp" && mv "$out/$bin.tmp" "$out/$bin"
  rm -rf "$w"
  is_version "$out/$bin" "$v" || { echo "install-deps: $out/$bin is not $bin $v" >&2; exit 1; }
}
for v in "$ETCD36" "$ETCD37"; do
  build "$v" server etcd "$cache/etcd-$v"
  build "$v" etcdctl etcdctl "$cache/etcd-$v"
  build "$v" etcdutl etcdutl "$cache/etcd-$v"
done
build "$ETCD35_TOOLS" etcdctl etcdctl "$cache/etcd-$ETCD35_TOOLS"
build "$ETCD35_TOOLS" etcdutl etcdutl "$cache/etcd-$ETCD35_TOOLS"

# kubectl's YAML writer as a reference for the k8s YAML tests: sigs.k8s.io/yaml
# at $SIGS_YAML around test/reference/k8s-yaml/main.go, in a throwaway module.
yaml_ref=$cache/k8s-yaml-$SIGS_YAML/k8s-yaml
if [ ! -x "$yaml_ref" ]; then
  command -v go >/dev/null || { echo "install-deps: go is needed to build the k8s YAML reference" >&2; exit 1; }
  w=$(mktemp -d)
  (
    cd "$w"
    export GOFLAGS=-mod=mod GOTOOLCHAIN=auto
    cp "$here/../test/reference/k8s-yaml/main.go" .
    go mod init local/k8syaml >/dev/null 2>&1
    go get "sigs.k8s.io/yaml@v$SIGS_YAML" >/dev/null 2>&1 || { echo "install-deps: go get sigs.k8s.io/yaml@v$SIGS_YAML failed" >&2; exit 1; }
    CGO_ENABLED=0 go build -trimpath -o k8s-yaml .
  ) || { rm -rf "$w"; exit 1; }
  mkdir -p "${yaml_ref%/*}"
  mv "$w/k8s-yaml" "$yaml_ref.tmp" && mv "$yaml_ref.tmp" "$yaml_ref"
  rm -rf "$w"
fi
[ "$(echo '{"a":["b"]}' | "$yaml_ref" | tr -d '\0')" = "$(printf 'a:\n- b')" ] || { echo "install-deps: $yaml_ref does not write kubectl's YAML" >&2; exit 1; }

# etcd 3.5: the test harness finds it in $ETCD35_DIR (default below).
version=$ETCD35
dest=${ETCD35_DIR:-$cache/etcd-$version}
have() { is_version "$dest/etcd" "$version"; }
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
