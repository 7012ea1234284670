// npm run bench: wall-time medians of etcdctl-ts, the reference etcdctl
// (when installed) and `node -e 0`, against a throwaway local etcd.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const OURS = [process.execPath, join(root, 'bin', 'etcdctl-ts.js')];
const hasEtcdctl = spawnSync('etcdctl', ['version']).status === 0;
// The single executable, when npm run package has built it.
const SEA = join(root, 'dist', `etcdctl-ts-${process.platform}-${process.arch}`);
const hasSea = existsSync(SEA);

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
  { name: 'static completion (flags of get)', args: ['__complete', 'get', '--'], runs: 21, ours: true },
  { name: 'live completion (keys under /bench/)', args: ['__complete', ep, 'get', '/bench/0'], runs: 21, ours: true },
];
const nodeBase = time([process.execPath, '-e', '0'], 21);
console.log(`node -e 0: ${nodeBase.toFixed(1)} ms (median of 21)`);
console.log('case | etcdctl-ts ms | etcdctl ms | etcdctl-ts / node -e 0 | etcdctl-ts / etcdctl');
const results = {};
for (const c of cases) {
  time([...OURS, ...c.args], 2);
  const ours = time([...OURS, ...c.args], c.runs);
  const ref = hasEtcdctl && !c.ours ? time(['etcdctl', ...c.args], c.runs) : NaN;
  results[c.name] = { ours, ref };
  console.log(`${c.name} | ${ours.toFixed(1)} | ${Number.isNaN(ref) ? 'n/a' : ref.toFixed(1)} | ${(ours / nodeBase).toFixed(2)}x | ${Number.isNaN(ref) ? 'n/a' : (ours / ref).toFixed(2) + 'x'}`);
}
// The single executable against the bundle run by node: the same one-key
// get, measured in alternating runs so that both see the same machine load.
let sea;
if (hasSea) {
  const args = [ep, 'get', 'one'];
  time([SEA, ...args], 2);
  const a = [];
  const b = [];
  for (let i = 0; i < 21; i++) {
    a.push(time([SEA, ...args], 1));
    b.push(time([...OURS, ...args], 1));
  }
  const med = (x) => x.sort((p, q) => p - q)[10];
  sea = { exe: med(a), bundle: med(b) };
  console.log(`single executable: get one key | ${sea.exe.toFixed(1)} ms | node bin/etcdctl-ts.js ${sea.bundle.toFixed(1)} ms | ${(sea.exe / nodeBase).toFixed(2)}x node -e 0 | ${(sea.exe / sea.bundle).toFixed(2)}x node bin/etcdctl-ts.js`);
} else {
  console.log('single executable: n/a (npm run package builds it)');
}

// Snapshot save and restore: wall time and peak memory (max RSS of the
// child, read through python3's getrusage), at the current size and again
// after growing the database past 200 MB.
const work = mkdtempSync(join(tmpdir(), 'etcdctl-ts-bench-snap-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
function measure(cmd) {
  const py = 'import resource,subprocess,sys,time;t=time.time();r=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.PIPE);' +
    'print(r.returncode,(time.time()-t)*1000,resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss);sys.stderr.write(r.stderr.decode())';
  const r = spawnSync('python3', ['-c', py, ...cmd], { encoding: 'utf8' });
  const [code, ms, rss] = r.stdout.trim().split(' ').map(Number);
  if (code !== 0) throw new Error(`${cmd.join(' ')} failed: ${r.stderr}`);
  return { ms, mb: rss / 1024 };
}
function median3(make) {
  const runs = [make(0), make(1), make(2)].sort((a, b) => a.ms - b.ms);
  return runs[1];
}
let n = 0;
const save = (tool) => median3(() => measure([...tool, ep, 'snapshot', 'save', join(work, `s${n++}.db`)]));
const restore = (tool, file) => median3(() => measure([...tool, 'snapshot', 'restore', file, '--data-dir', join(work, `r${n++}`)]));
const small = save(OURS);
const big = [];
for (let i = 0; i < 200; i++) {
  const success = [];
  for (let j = 0; j < 128; j++) success.push({ request_put: { key: b64(`/big/${i}/${j}`), value: b64('x'.repeat(8192)) } });
  big.push(success);
}
for (let i = 0; i < big.length; i += 8) {
  await Promise.all(big.slice(i, i + 8).map((success) => fetch(`${base}/v3/kv/txn`, { method: 'POST', body: JSON.stringify({ success }) }).then((r) => r.text())));
}
const snapFile = join(work, 'bench.db');
measure([...OURS, ep, 'snapshot', 'save', snapFile]);
const dbMB = statSync(snapFile).size / 1e6;
const saveOurs = save(OURS);
const saveRef = hasEtcdctl ? save(['etcdctl']) : undefined;
const restoreOurs = restore(OURS, snapFile);
const restoreRef = hasEtcdctl ? restore(['etcdctl'], snapFile) : undefined;
console.log(`snapshot of ${dbMB.toFixed(0)} MB | etcdctl-ts ms | etcdctl ms | etcdctl-ts / etcdctl | etcdctl-ts peak MB | etcdctl peak MB`);
const row = (name, o, r) => console.log(`${name} | ${o.ms.toFixed(0)} | ${r ? r.ms.toFixed(0) : 'n/a'} | ${r ? (o.ms / r.ms).toFixed(2) + 'x' : 'n/a'} | ${o.mb.toFixed(0)} | ${r ? r.mb.toFixed(0) : 'n/a'}`);
row('snapshot save', saveOurs, saveRef);
row('snapshot restore', restoreOurs, restoreRef);
console.log(`snapshot save peak memory: ${small.mb.toFixed(0)} MB at ${(statSync(join(work, 's0.db')).size / 1e6).toFixed(0)} MB, ${saveOurs.mb.toFixed(0)} MB at ${dbMB.toFixed(0)} MB`);

const one = results['get one key'].ours / nodeBase;
const prefix = results['get --prefix (100k keys, ~10 MB)'];
const stat = results['static completion (flags of get)'].ours / nodeBase;
console.log(`budget: get one key <= 1.5x node -e 0: ${one.toFixed(2)}x ${one <= 1.5 ? 'OK' : 'OVER'}`);
console.log(`budget: static completion <= 1.3x node -e 0: ${stat.toFixed(2)}x ${stat <= 1.3 ? 'OK' : 'OVER'}`);
if (hasEtcdctl) {
  const r = prefix.ours / prefix.ref;
  console.log(`budget: get --prefix <= 1.5x etcdctl: ${r.toFixed(2)}x ${r <= 1.5 ? 'OK' : 'OVER'}`);
  const sv = saveOurs.ms / saveRef.ms;
  const rs = restoreOurs.ms / restoreRef.ms;
  console.log(`budget: snapshot save <= 1.2x etcdctl: ${sv.toFixed(2)}x ${sv <= 1.2 ? 'OK' : 'OVER'}`);
  console.log(`budget: snapshot restore <= 2x etcdctl: ${rs.toFixed(2)}x ${rs <= 2 ? 'OK' : 'OVER'}`);
}
if (sea) console.log(`budget: single executable start-up <= 1.1x node bin/etcdctl-ts.js: ${(sea.exe / sea.bundle).toFixed(2)}x ${sea.exe / sea.bundle <= 1.1 ? 'OK' : 'OVER'}`);
// Independent of size: within 10 MB of the small database's peak.
const grew = saveOurs.mb - small.mb;
console.log(`budget: snapshot save memory independent of size: +${grew.toFixed(0)} MB ${grew <= 10 ? 'OK' : 'OVER'}`);
process.exit(0);
