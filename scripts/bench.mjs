// npm run bench: wall-time medians of etcdctl-ts, the reference etcdctl
// (when installed) and `node -e 0`, against a throwaway local etcd.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const OURS = [process.execPath, join(root, 'bin', 'etcdctl-ts.js')];
const hasEtcdctl = spawnSync('etcdctl', ['version']).status === 0;

const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

const dir = mkdtempSync(join(tmpdir(), 'etcdctl-ts-bench-'));
const [cport, pport] = [await freePort(), await freePort()];
const peer = `http://127.0.0.1:${pport}`;
const base = `http://127.0.0.1:${cport}`;
const etcd = spawn('etcd', ['--name', 'bench', '--data-dir', join(dir, 'data'), '--listen-client-urls', base, '--advertise-client-urls', base, '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer, '--initial-cluster', `bench=${peer}`, '--quota-backend-bytes', String(8 * 1024 ** 3)], { stdio: 'ignore' });
const cleanup = () => {
  etcd.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
};
process.on('exit', cleanup);
for (let i = 0; ; i++) {
  try {
    const r = await fetch(`${base}/health`);
    if ((await r.json()).health === 'true') break;
  } catch {}
  if (i > 200) throw new Error('etcd did not start');
  await new Promise((r) => setTimeout(r, 50));
}

// 100,000 keys with 100-byte values, 128 puts per transaction through the JSON gateway.
const b64 = (s) => Buffer.from(s).toString('base64');
const value = b64('v'.repeat(100));
const KEYS = 100000;
const batches = [];
for (let i = 0; i < KEYS; i += 128) {
  const success = [];
  for (let j = i; j < Math.min(i + 128, KEYS); j++) success.push({ request_put: { key: b64(`/bench/${String(j).padStart(6, '0')}`), value } });
  batches.push(success);
}
for (let i = 0; i < batches.length; i += 16) {
  await Promise.all(batches.slice(i, i + 16).map((success) => fetch(`${base}/v3/kv/txn`, { method: 'POST', body: JSON.stringify({ success }) }).then((r) => r.text())));
}
await fetch(`${base}/v3/kv/put`, { method: 'POST', body: JSON.stringify({ key: b64('one'), value: b64('1') }) });

const ep = `--endpoints=127.0.0.1:${cport}`;
function time(cmd, runs) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    const r = spawnSync(cmd[0], cmd.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 30 });
    if (r.status !== 0) throw new Error(`${cmd.join(' ')} failed: ${r.stderr}`);
    samples.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

const cases = [
  { name: 'get one key', args: [ep, 'get', 'one'], runs: 21 },
  { name: 'get --prefix (100k keys, ~10 MB)', args: [ep, 'get', '/bench/', '--prefix'], runs: 7 },
  { name: 'put', args: [ep, 'put', 'bench-put', 'x'], runs: 21 },
];
const nodeBase = time([process.execPath, '-e', '0'], 21);
console.log(`node -e 0: ${nodeBase.toFixed(1)} ms (median of 21)`);
console.log('case | etcdctl-ts ms | etcdctl ms | etcdctl-ts / node -e 0 | etcdctl-ts / etcdctl');
const results = {};
for (const c of cases) {
  time([...OURS, ...c.args], 2);
  const ours = time([...OURS, ...c.args], c.runs);
  const ref = hasEtcdctl ? time(['etcdctl', ...c.args], c.runs) : NaN;
  results[c.name] = { ours, ref };
  console.log(`${c.name} | ${ours.toFixed(1)} | ${hasEtcdctl ? ref.toFixed(1) : 'n/a'} | ${(ours / nodeBase).toFixed(2)}x | ${hasEtcdctl ? (ours / ref).toFixed(2) + 'x' : 'n/a'}`);
}
const one = results['get one key'].ours / nodeBase;
const prefix = results['get --prefix (100k keys, ~10 MB)'];
console.log(`budget: get one key <= 2.0x node -e 0: ${one.toFixed(2)}x ${one <= 2 ? 'OK' : 'OVER'}`);
if (hasEtcdctl) {
  const r = prefix.ours / prefix.ref;
  console.log(`budget: get --prefix <= 1.5x etcdctl: ${r.toFixed(2)}x ${r <= 1.5 ? 'OK' : 'OVER'}`);
}
process.exit(0);
