#!/usr/bin/env bash
# Quick start: installs etcd and etcdctl-ts's dependencies, starts a
# throwaway etcd on a free loopback port and runs a few etcdctl-ts commands.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
# A fresh checkout gets its packages (npm ci also builds); an installed one is used as it is.
[ -d node_modules ] || npm ci --no-audit --no-fund --silent
[ -f dist/etcdctl-ts.js ] || npm run --silent build
free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
port=$(free_port)
peer=$(free_port)
dir=$(mktemp -d)
etcd --name quickstart --data-dir "$dir/data" \
  --listen-client-urls "http://127.0.0.1:$port" --advertise-client-urls "http://127.0.0.1:$port" \
  --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
  --initial-cluster "quickstart=http://127.0.0.1:$peer" >"$dir/etcd.log" 2>&1 &
etcd_pid=$!
# The script's own status survives the clean-up (wait would return etcd's).
stop_etcd() {
  local rc=$?
  kill "$etcd_pid" 2>/dev/null || true
  wait "$etcd_pid" 2>/dev/null || true
  rm -rf "$dir"
  exit "$rc"
}
trap stop_etcd EXIT
ready=
for _ in $(seq 100); do
  node -e "fetch('http://127.0.0.1:$port/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))" && ready=1 && break
  sleep 0.1
done
[ -n "$ready" ] || { echo "quickstart: etcd did not become ready; its log:" >&2; cat "$dir/etcd.log" >&2; exit 1; }
export ETCDCTL_ENDPOINTS="127.0.0.1:$port"
run() { echo "\$ etcdctl-ts $*"; node bin/etcdctl-ts.js "$@"; }
run put greeting "hello, etcd"
run get greeting
run get greeting -w json
run txn <<'TXN'
value("greeting") = "hello, etcd"

put greeting "hello again"


TXN
run get "" --prefix --keys-only
