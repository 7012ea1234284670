#!/usr/bin/env bash
# Quick start: installs etcd and etcdctl-ts's dependencies, starts a
# throwaway etcd on a free loopback port and runs a few etcdctl-ts commands.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
npm ci --no-audit --no-fund --silent
free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
port=$(free_port)
peer=$(free_port)
dir=$(mktemp -d)
etcd --name quickstart --data-dir "$dir/data" \
  --listen-client-urls "http://127.0.0.1:$port" --advertise-client-urls "http://127.0.0.1:$port" \
  --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
  --initial-cluster "quickstart=http://127.0.0.1:$peer" >"$dir/etcd.log" 2>&1 &
etcd_pid=$!
trap 'kill $etcd_pid 2>/dev/null; wait $etcd_pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 100); do
  node -e "fetch('http://127.0.0.1:$port/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))" && break
  sleep 0.1
done
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
