// npm run bench: wall-time medians of etcdctl-ts, the reference etcdctl
// (when installed) and `node -e 0`, against a throwaway local etcd.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as net from 'node:net';
import { homedir, tmpdir } from 'node:os';
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

const dirs = [];
const servers = [];
process.on('exit', () => {
  for (const p of servers) p.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
// A throwaway etcd on free loopback ports; resolves to its client URL.
async function startEtcd(name, extra = [], bin = 'etcd') {
  const dir = mkdtempSync(join(tmpdir(), 'etcdctl-ts-bench-'));
  dirs.push(dir);
  const [cport, pport] = [await freePort(), await freePort()];
  const peer = `http://127.0.0.1:${pport}`;
  const base = `http://127.0.0.1:${cport}`;
  const p = spawn(
    bin,
    [
      '--name',
      name,
      '--data-dir',
      join(dir, 'data'),
      '--listen-client-urls',
      base,
      '--advertise-client-urls',
      base,
      '--listen-peer-urls',
      peer,
      '--initial-advertise-peer-urls',
      peer,
      '--initial-cluster',
      `${name}=${peer}`,
      '--quota-backend-bytes',
      String(8 * 1024 ** 3),
      ...extra,
    ],
    { stdio: 'ignore' },
  );
  servers.push(p);
  for (let i = 0; ; i++) {
    try {
      const r = await fetch(`${base}/health`);
      if ((await r.json()).health === 'true') return { base, ep: `--endpoints=127.0.0.1:${cport}` };
    } catch {}
    if (i > 200) throw new Error('etcd did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
}

// One section alone: `npm run bench -- huge` (or `stream`, `k8s`, `yaml`); all by default.
const only = ['main', 'huge', 'stream', 'k8s', 'yaml'].filter((s) => process.argv.includes(s));
const run = (section) => only.length === 0 || only.includes(section);
const { base, ep } = run('main') ? await startEtcd('bench') : {};
const b64 = (s) => Buffer.from(s).toString('base64');

// `count` keys `${prefix}NNNNNNN` with 100-byte values, `perTxn` puts a
// transaction through the JSON gateway, 16 transactions at a time.
async function load(url, prefix, count, perTxn) {
  const value = b64('v'.repeat(100));
  const txn = (i) => {
    const success = [];
    for (let j = i; j < Math.min(i + perTxn, count); j++) success.push({ request_put: { key: b64(`${prefix}${String(j).padStart(7, '0')}`), value } });
    return fetch(`${url}/v3/kv/txn`, { method: 'POST', body: JSON.stringify({ success }) }).then(async (r) => {
      if (r.status !== 200) throw new Error(`load: ${await r.text()}`);
    });
  };
  for (let i = 0; i < count; i += 16 * perTxn) {
    const batch = [];
    for (let k = i; k < Math.min(i + 16 * perTxn, count); k += perTxn) batch.push(txn(k));
    await Promise.all(batch);
  }
}

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

// Peak memory: the child's max RSS, read through python3's getrusage.
function measure(cmd, ok = [0]) {
  const py =
    'import resource,subprocess,sys,time;t=time.time();r=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.PIPE);' +
    'print(r.returncode,(time.time()-t)*1000,resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss);sys.stderr.write(r.stderr.decode())';
  const r = spawnSync('python3', ['-c', py, ...cmd], { encoding: 'utf8' });
  const [code, ms, rss] = r.stdout.trim().split(' ').map(Number);
  if (!ok.includes(code)) throw new Error(`${cmd.join(' ')} failed: ${r.stderr}`);
  return { ms, mb: rss / 1024 };
}
function median3(make) {
  const runs = [make(0), make(1), make(2)].sort((a, b) => a.ms - b.ms);
  return runs[1];
}
const nodeBase = time([process.execPath, '-e', '0'], 21);
console.log(`node -e 0: ${nodeBase.toFixed(1)} ms (median of 21)`);
const budgets = [];
if (run('main')) await mainSection();
if (run('huge')) await hugeSection();
if (run('stream')) await streamSection();
if (run('k8s')) await k8sSection();
if (run('yaml')) await yamlSection();
for (const b of budgets) console.log(b);
process.exit(0);

async function mainSection() {
  await load(base, '/bench/', 100000, 128);
  await fetch(`${base}/v3/kv/put`, { method: 'POST', body: JSON.stringify({ key: b64('one'), value: b64('1') }) });
  const cases = [
    { name: 'get one key', args: [ep, 'get', 'one'], runs: 21 },
    { name: 'get --prefix (100k keys, ~10 MB)', args: [ep, 'get', '/bench/', '--prefix'], runs: 7 },
    { name: 'put', args: [ep, 'put', 'bench-put', 'x'], runs: 21 },
    { name: 'static completion (flags of get)', args: ['__complete', 'get', '--'], runs: 21, ours: true },
    { name: 'live completion (keys under /bench/)', args: ['__complete', ep, 'get', '/bench/0'], runs: 21, ours: true },
  ];
  console.log('case | etcdctl-ts ms | etcdctl ms | etcdctl-ts / node -e 0 | etcdctl-ts / etcdctl');
  const results = {};
  for (const c of cases) {
    time([...OURS, ...c.args], 2);
    const ours = time([...OURS, ...c.args], c.runs);
    const ref = hasEtcdctl && !c.ours ? time(['etcdctl', ...c.args], c.runs) : NaN;
    results[c.name] = { ours, ref };
    console.log(
      `${c.name} | ${ours.toFixed(1)} | ${Number.isNaN(ref) ? 'n/a' : ref.toFixed(1)} | ${(ours / nodeBase).toFixed(2)}x | ${Number.isNaN(ref) ? 'n/a' : `${(ours / ref).toFixed(2)}x`}`,
    );
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
    console.log(
      `single executable: get one key | ${sea.exe.toFixed(1)} ms | node bin/etcdctl-ts.js ${sea.bundle.toFixed(1)} ms | ${(sea.exe / nodeBase).toFixed(2)}x node -e 0 | ${(sea.exe / sea.bundle).toFixed(2)}x node bin/etcdctl-ts.js`,
    );
  } else {
    console.log('single executable: n/a (npm run package builds it)');
  }

  // Snapshot save and restore: wall time and peak memory, at the current
  // size and again after growing the database past 200 MB.
  const work = mkdtempSync(join(tmpdir(), 'etcdctl-ts-bench-snap-'));
  process.on('exit', () => rmSync(work, { recursive: true, force: true }));
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
    await Promise.all(
      big.slice(i, i + 8).map((success) => fetch(`${base}/v3/kv/txn`, { method: 'POST', body: JSON.stringify({ success }) }).then((r) => r.text())),
    );
  }
  const snapFile = join(work, 'bench.db');
  measure([...OURS, ep, 'snapshot', 'save', snapFile]);
  const dbMB = statSync(snapFile).size / 1e6;
  const saveOurs = save(OURS);
  const saveRef = hasEtcdctl ? save(['etcdctl']) : undefined;
  const restoreOurs = restore(OURS, snapFile);
  const restoreRef = hasEtcdctl ? restore(['etcdctl'], snapFile) : undefined;
  console.log(`snapshot of ${dbMB.toFixed(0)} MB | etcdctl-ts ms | etcdctl ms | etcdctl-ts / etcdctl | etcdctl-ts peak MB | etcdctl peak MB`);
  const row = (name, o, r) =>
    console.log(
      `${name} | ${o.ms.toFixed(0)} | ${r ? r.ms.toFixed(0) : 'n/a'} | ${r ? `${(o.ms / r.ms).toFixed(2)}x` : 'n/a'} | ${o.mb.toFixed(0)} | ${r ? r.mb.toFixed(0) : 'n/a'}`,
    );
  row('snapshot save', saveOurs, saveRef);
  row('snapshot restore', restoreOurs, restoreRef);
  console.log(
    `snapshot save peak memory: ${small.mb.toFixed(0)} MB at ${(statSync(join(work, 's0.db')).size / 1e6).toFixed(0)} MB, ${saveOurs.mb.toFixed(0)} MB at ${dbMB.toFixed(0)} MB`,
  );

  const one = results['get one key'].ours / nodeBase;
  const prefix = results['get --prefix (100k keys, ~10 MB)'];
  const stat = results['static completion (flags of get)'].ours / nodeBase;
  budgets.push(`budget: get one key <= 1.5x node -e 0: ${one.toFixed(2)}x ${one <= 1.5 ? 'OK' : 'OVER'}`);
  budgets.push(`budget: static completion <= 1.3x node -e 0: ${stat.toFixed(2)}x ${stat <= 1.3 ? 'OK' : 'OVER'}`);
  if (hasEtcdctl) {
    const r = prefix.ours / prefix.ref;
    budgets.push(`budget: get --prefix <= 1.5x etcdctl: ${r.toFixed(2)}x ${r <= 1.5 ? 'OK' : 'OVER'}`);
    const sv = saveOurs.ms / saveRef.ms;
    const rs = restoreOurs.ms / restoreRef.ms;
    budgets.push(`budget: snapshot save <= 1.2x etcdctl: ${sv.toFixed(2)}x ${sv <= 1.2 ? 'OK' : 'OVER'}`);
    budgets.push(`budget: snapshot restore <= 2x etcdctl: ${rs.toFixed(2)}x ${rs <= 2 ? 'OK' : 'OVER'}`);
  }
  if (sea)
    budgets.push(
      `budget: single executable start-up <= 1.1x node bin/etcdctl-ts.js: ${(sea.exe / sea.bundle).toFixed(2)}x ${sea.exe / sea.bundle <= 1.1 ? 'OK' : 'OVER'}`,
    );
  // Independent of size: within 10 MB of the small database's peak.
  const grew = saveOurs.mb - small.mb;
  budgets.push(`budget: snapshot save memory independent of size: +${grew.toFixed(0)} MB ${grew <= 10 ? 'OK' : 'OVER'}`);
}

// Huge keyspaces: `get --prefix` over 100,000 and 1,000,000 keys with
// 100-byte values, on a server of their own, for both tools: wall time,
// peak memory, and the p99 latency of puts made while the read runs.
async function hugeSection() {
  const { base: url, ep: hep } = await startEtcd('huge', ['--max-txn-ops', '1000']);
  await load(url, '/h100k/', 100000, 1000);
  await load(url, '/h1m/', 1000000, 1000);
  const idle = await putsWhile(url, undefined);
  console.log(
    `huge keyspace | etcdctl-ts ms | etcdctl ms | etcdctl-ts / etcdctl | etcdctl-ts peak MB | etcdctl peak MB | put p99 ms during etcdctl-ts | during etcdctl (idle: ${idle.p99.toFixed(1)})`,
  );
  const res = {};
  for (const [label, prefix] of [
    ['get --prefix, 100k keys', '/h100k/'],
    ['get --prefix, 1M keys', '/h1m/'],
  ]) {
    const run = async (tool) => putsWhile(url, [...tool, hep, 'get', prefix, '--prefix']);
    await run(OURS);
    const o = await run(OURS);
    const r = hasEtcdctl ? await run(['etcdctl']) : undefined;
    res[label] = { o, r };
    console.log(
      `${label} | ${o.ms.toFixed(0)} | ${r ? r.ms.toFixed(0) : 'n/a'} | ${r ? `${(o.ms / r.ms).toFixed(2)}x` : 'n/a'} | ${o.mb.toFixed(0)} | ${r ? r.mb.toFixed(0) : 'n/a'} | ${o.p99.toFixed(1)} | ${r ? r.p99.toFixed(1) : 'n/a'}`,
    );
  }
  const [small, big] = [res['get --prefix, 100k keys'].o, res['get --prefix, 1M keys']];
  budgets.push(`budget: get --prefix over 1M keys peak RSS <= 160 MB: ${big.o.mb.toFixed(0)} MB ${big.o.mb <= 160 ? 'OK' : 'OVER'}`);
  budgets.push(`budget: its peak RSS does not grow from 100k to 1M keys: +${(big.o.mb - small.mb).toFixed(0)} MB ${big.o.mb - small.mb <= 10 ? 'OK' : 'OVER'}`);
  if (big.r)
    budgets.push(`budget: get --prefix over 1M keys <= 1.2x etcdctl: ${(big.o.ms / big.r.ms).toFixed(2)}x ${big.o.ms / big.r.ms <= 1.2 ? 'OK' : 'OVER'}`);
}

// etcd 3.7's KV.RangeStream against pages, over 1M keys on a 3.7 server:
// page by page (the default), the first page and then the rest as one
// stream (ETCDCTL_TS_RANGE_STREAM=on), and `get --stream` as etcdctl 3.7 has it.
async function streamSection() {
  const versions = Object.fromEntries(
    [...readFileSync(join(root, 'scripts', 'etcd-versions.env'), 'utf8').matchAll(/^(\w+)=(\S+)$/gm)].map((m) => [m[1], m[2]]),
  );
  const dir = join(homedir(), '.cache', 'etcdctl-ts', `etcd-${versions.ETCD37}`);
  if (!existsSync(join(dir, 'etcd'))) {
    console.log(`RangeStream: skipped, no etcd ${versions.ETCD37} in ${dir} (scripts/install-deps.sh builds it)`);
    return;
  }
  const { base: url, ep: sep } = await startEtcd('stream', ['--max-txn-ops', '1000'], join(dir, 'etcd'));
  await load(url, '/s1m/', 1000000, 1000);
  const idle = await putsWhile(url, undefined);
  const ctl = [join(dir, 'etcdctl')];
  const cases = [
    ['etcdctl-ts, pages (default)', OURS, [], {}],
    ['etcdctl-ts, first page + RangeStream', OURS, [], { ETCDCTL_TS_RANGE_STREAM: 'on' }],
    ['etcdctl-ts get --stream', OURS, ['--stream'], {}],
    ['etcdctl 3.7 get', ctl, [], {}],
    ['etcdctl 3.7 get --stream', ctl, ['--stream'], {}],
  ];
  console.log(`get --prefix, 1M keys, etcd ${versions.ETCD37} | ms | peak MB | put p99 ms meanwhile (idle: ${idle.p99.toFixed(1)})`);
  const res = {};
  for (const [label, tool, extra, env] of cases) {
    const cmd = [...tool, sep, 'get', '/s1m/', '--prefix', ...extra];
    await putsWhile(url, cmd, env);
    // The median of three by time.
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await putsWhile(url, cmd, env));
    const r = runs.sort((a, b) => a.ms - b.ms)[1];
    res[label] = r;
    console.log(`${label} | ${r.ms.toFixed(0)} | ${r.mb.toFixed(0)} | ${r.p99.toFixed(1)}`);
  }
  const [pages, streamed] = [res['etcdctl-ts, pages (default)'], res['etcdctl-ts, first page + RangeStream']];
  const better = pages.ms <= streamed.ms && pages.p99 <= streamed.p99 ? 'pages' : 'RangeStream';
  budgets.push(
    `RangeStream on 3.7: pages ${pages.ms.toFixed(0)} ms, ${pages.mb.toFixed(0)} MB, put p99 ${pages.p99.toFixed(1)} ms; first page + stream ${streamed.ms.toFixed(0)} ms, ${streamed.mb.toFixed(0)} MB, put p99 ${streamed.p99.toFixed(1)} ms: ${better} ${better === 'pages' ? 'OK (the default)' : 'BETTER THAN THE DEFAULT'}`,
  );
}

// Kubernetes data: `k8s usage` over 100,000 stored objects, live and from a
// snapshot file, against a raw `get /registry --prefix` of the same keys.
async function k8sSection() {
  const { base: url, ep: kep } = await startEtcd('k8s', ['--max-txn-ops', '1000']);
  // Storage values as the API server writes them: "k8s\0" + runtime.Unknown
  // {typeMeta, raw = ConfigMap{metadata{name, namespace, uid, created}, data}}.
  const v = (n) => {
    const out = [];
    for (; n >= 0x80; n = Math.floor(n / 128)) out.push((n % 128) | 0x80);
    out.push(n);
    return Buffer.from(out);
  };
  const f = (no, b) => Buffer.concat([v((no << 3) | 2), v(b.length), b]);
  const s = (no, t) => f(no, Buffer.from(t));
  const object = (i) => {
    const meta = Buffer.concat([s(1, `cm-${i}`), s(3, `ns-${i % 100}`), s(5, `uid-${i}`), f(8, Buffer.from([0x08, 0x80, 0xb4, 0xd6, 0xc7, 0x06]))]);
    const data = f(2, Buffer.concat([s(1, 'config'), s(2, 'x'.repeat(200 + (i % 7) * 300))]));
    return Buffer.concat([Buffer.from('k8s\0', 'latin1'), f(1, Buffer.concat([s(1, 'v1'), s(2, 'ConfigMap')])), f(2, Buffer.concat([f(1, meta), data]))]);
  };
  const OBJECTS = 100000;
  for (let i = 0; i < OBJECTS; i += 16000) {
    const batch = [];
    for (let k = i; k < Math.min(i + 16000, OBJECTS); k += 1000) {
      const success = [];
      for (let j = k; j < Math.min(k + 1000, OBJECTS); j++)
        success.push({ request_put: { key: b64(`/registry/configmaps/ns-${j % 100}/cm-${j}`), value: object(j).toString('base64') } });
      batch.push(fetch(`${url}/v3/kv/txn`, { method: 'POST', body: JSON.stringify({ success }) }).then((r) => r.text()));
    }
    await Promise.all(batch);
  }
  const work = mkdtempSync(join(tmpdir(), 'etcdctl-ts-bench-k8s-'));
  process.on('exit', () => rmSync(work, { recursive: true, force: true }));
  const file = join(work, 'k8s.db');
  measure([...OURS, kep, 'snapshot', 'save', file]);
  const median = (cmd) => median3(() => measure(cmd));
  const raw = median([...OURS, kep, 'get', '/registry/', '--prefix']);
  const live = median([...OURS, kep, 'k8s', 'usage']);
  const offline = median([...OURS, 'k8s', 'usage', `--snapshot=${file}`]);
  console.log('k8s, 100k objects | ms | peak MB | / raw get');
  for (const [name, r] of [
    ['get /registry/ --prefix (raw)', raw],
    ['k8s usage (live)', live],
    ['k8s usage --snapshot', offline],
  ])
    console.log(`${name} | ${r.ms.toFixed(0)} | ${r.mb.toFixed(0)} | ${(r.ms / raw.ms).toFixed(2)}x`);
  budgets.push(
    `budget: k8s usage live <= 1.5x raw get, <= 200 MB: ${(live.ms / raw.ms).toFixed(2)}x, ${live.mb.toFixed(0)} MB ${live.ms / raw.ms <= 1.5 && live.mb <= 200 ? 'OK' : 'OVER'}`,
  );
  budgets.push(
    `budget: k8s usage --snapshot <= 1.5x raw get, <= 200 MB: ${(offline.ms / raw.ms).toFixed(2)}x, ${offline.mb.toFixed(0)} MB ${offline.ms / raw.ms <= 1.5 && offline.mb <= 200 ? 'OK' : 'OVER'}`,
  );

  // k8s diff, 100k objects a side: after the snapshot, 1,000 objects get
  // new data, 500 go and 500 come; diff exits 1 (changed).
  const revision = async () =>
    BigInt((await (await fetch(`${url}/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key: b64('/registry/') }) })).json()).header.revision);
  const before = await revision();
  const success = [];
  for (let j = 0; j < 1000; j++)
    success.push({ request_put: { key: b64(`/registry/configmaps/ns-${(j * 97) % 100}/cm-${j * 97}`), value: object(j * 97 + 1).toString('base64') } });
  for (let j = 0; j < 500; j++) success.push({ request_delete_range: { key: b64(`/registry/configmaps/ns-${(j * 89 + 1) % 100}/cm-${j * 89 + 1}`) } });
  for (let j = 0; j < 500; j++)
    success.push({ request_put: { key: b64(`/registry/configmaps/ns-${j % 100}/cm-new-${j}`), value: object(j).toString('base64') } });
  for (let i = 0; i < success.length; i += 1000)
    await fetch(`${url}/v3/kv/txn`, { method: 'POST', body: JSON.stringify({ success: success.slice(i, i + 1000) }) }).then((r) => r.text());
  const after = join(work, 'k8s-after.db');
  measure([...OURS, kep, 'snapshot', 'save', after]);
  const changed = (cmd) => median3(() => measure(cmd, [1]));
  const diffs = [
    ['k8s diff --snapshot (against the cluster)', changed([...OURS, kep, 'k8s', 'diff', `--snapshot=${file}`])],
    ['k8s diff --snapshot --snapshot', changed([...OURS, 'k8s', 'diff', `--snapshot=${file}`, `--snapshot=${after}`])],
    ['k8s diff --rev (against now)', changed([...OURS, kep, 'k8s', 'diff', `--rev=${before}`])],
  ];
  console.log('k8s diff, 100k objects a side (2,000 changed) | ms | peak MB | / raw get');
  for (const [name, r] of diffs) console.log(`${name} | ${r.ms.toFixed(0)} | ${r.mb.toFixed(0)} | ${(r.ms / raw.ms).toFixed(2)}x`);
}

// YAML writers for k8s get: ours (go-yaml v2's rules) against the yaml
// package set as close to kubectl's layout as its options go, on a List of
// 10,000 objects cycled from Kubernetes' own storage pairs (43 kinds), in
// one process; and how many of the 43 come out byte for byte as kubectl's
// (the reference install-deps.sh builds).
async function yamlSection() {
  const pairs = join(root, '..', 'shared', 'k8s', 'pairs');
  if (!existsSync(pairs)) return console.log('yaml: ../shared/k8s/pairs is not there; skipped');
  const { build } = await import('esbuild');
  const work = mkdtempSync(join(tmpdir(), 'etcdctl-ts-bench-yaml-'));
  process.on('exit', () => rmSync(work, { recursive: true, force: true }));
  const out = join(work, 'writers.cjs');
  await build({
    stdin: { contents: "export { yamlText } from './src/k8s/text.ts';\nexport { stringify } from 'yaml';", resolveDir: root, loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile: out,
    logLevel: 'error',
  });
  const { yamlText, stringify } = createRequire(import.meta.url)(out);
  const kinds = readdirSync(pairs)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(pairs, f), 'utf8')));
  // And one ConfigMap of the strings where YAML writers part ways.
  const prose = Array.from({ length: 30 }, (_, i) => `word${i}`).join(' ');
  kinds.push({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'awkward', annotations: { [`example.com/${'k'.repeat(130)}`]: 'x' } },
    data: {
      prose,
      args: '-Mbignum=bpi',
      dash: '- a',
      lead: '  lead\nx',
      nbsp: 'a\u00a0b',
      emoji: '😀',
      version: '1.2.3',
      quoted: `'${prose}`,
      script: '#!/bin/sh\necho hi\n',
    },
  });
  const items = Array.from({ length: 10000 }, (_, i) => kinds[i % kinds.length]);
  const list = { apiVersion: 'v1', items, kind: 'List', metadata: { resourceVersion: '' } };
  const options = {
    indentSeq: false,
    lineWidth: 80,
    minContentWidth: 0,
    sortMapEntries: true,
    version: '1.1',
    doubleQuotedAsJSON: true,
    aliasDuplicateObjects: false,
  };
  const writers = [
    ['ours (go-yaml v2 rules)', (v) => yamlText(v)],
    ['yaml package', (v) => stringify(v, options)],
  ];
  const ref = join(
    process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'),
    'etcdctl-ts',
    `k8s-yaml-${readFileSync(join(root, 'scripts', 'etcd-versions.env'), 'utf8').match(/^SIGS_YAML=(\S+)$/m)[1]}`,
    'k8s-yaml',
  );
  const kubectl = existsSync(ref)
    ? spawnSync(ref, {
        input: `${kinds.map((k) => JSON.stringify(k).replace(/[\u007f-\ud7ff\ue000-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)).join('\n')}\n`,
        encoding: 'utf8',
      }).stdout.split('\0')
    : undefined;
  console.log(
    `k8s get -o yaml, a List of 10k objects | ms (median of 5) | of ${kinds.length} objects (${kinds.length - 1} kinds, 1 awkward), as kubectl writes them`,
  );
  for (const [name, write] of writers) {
    const ms = [];
    for (let i = 0; i < 5; i++) {
      const t = process.hrtime.bigint();
      write(list);
      ms.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    ms.sort((a, b) => a - b);
    const same = kubectl ? kinds.filter((k, i) => write(k) === kubectl[i]).length : '?';
    console.log(`${name} | ${ms[2].toFixed(0)} | ${same}`);
  }
}

// Runs cmd (output to /dev/null, max RSS through python3, `env` added to
// its environment) while putting one key over and over through `url`;
// without cmd, 300 puts alone.
async function putsWhile(url, cmd, env = {}) {
  const lat = [];
  let done = !cmd;
  let outcome;
  if (cmd) {
    const py =
      'import resource,subprocess,sys,time;t=time.time();r=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.PIPE);' +
      'print(r.returncode,(time.time()-t)*1000,resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss);sys.stderr.write(r.stderr.decode())';
    const child = spawn('python3', ['-c', py, ...cmd], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    outcome = new Promise((resolve, reject) =>
      child.on('close', () => {
        done = true;
        const [code, ms, rss] = out.trim().split(' ').map(Number);
        if (code !== 0) reject(new Error(`${cmd.join(' ')} failed: ${err}`));
        else resolve({ ms, mb: rss / 1024 });
      }),
    );
  }
  const body = JSON.stringify({ key: b64('/probe'), value: b64('x'.repeat(100)) });
  for (let i = 0; (cmd ? !done : i < 300) && i < 100000; i++) {
    const t = process.hrtime.bigint();
    await (await fetch(`${url}/v3/kv/put`, { method: 'POST', body })).text();
    lat.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  lat.sort((x, y) => x - y);
  const p99 = lat.length ? lat[Math.min(lat.length - 1, Math.floor(lat.length * 0.99))] : NaN;
  return { ...(cmd ? await outcome : {}), p99 };
}
