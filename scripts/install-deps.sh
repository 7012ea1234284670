#!/usr/bin/env bash
# Installs from Debian what etcdctl-ts's tests and quick start need, when missing:
# etcd and the reference etcdctl; bash, zsh and fish for the completion tests;
# util-linux's flock (offline defrag) and bsdutils' script (terminal tests).
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
