// k8s diff against a real etcd: objects stored as the API server stores
// them, a snapshot, then changes of every kind (and one of bookkeeping
// alone); the diff of the snapshot with the cluster, of two snapshots and
// of a revision with now, checked record by record, and each modified
// object's hunks against GNU diff -u of k8s get's YAML on either side.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createCipheriv, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { errorLines, OURS, ours } from '../harness/cli.js';
import { onTerminal } from '../harness/tty.js';
import { tempDir, useEtcd, type EtcdServer } from '../harness/etcd.js';
import { storageValue } from '../harness/k8s-encode.js';
import { EDGES_ONLY, onEdge } from '../harness/servers.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

const b64 = (b: Buffer) => b.toString('base64');
const KEY = randomBytes(32);
const CONFIG = `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources: [secrets]
    providers:
      - aescbc:
          keys:
            - name: key1
              secret: ${b64(KEY)}
`;
function aescbc(plain: Buffer): Buffer {
  const iv = randomBytes(16);
  const pad = 16 - (plain.length % 16);
  const c = createCipheriv('aes-256-cbc', KEY, iv).setAutoPadding(false);
  return Buffer.concat([Buffer.from('k8s:enc:aescbc:v1:key1:'), iv, c.update(Buffer.concat([plain, Buffer.alloc(pad, pad)])), c.final()]);
}

const managed = (time: string): Json => [
  { manager: 'kubectl', operation: 'Apply', apiVersion: 'v1', time, fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { '.': {} } } },
];
const configMap = (name: string, namespace: string, data: Obj, time = '2026-01-02T03:04:05Z'): Obj => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace, uid: `uid-${name}`, creationTimestamp: '2026-01-02T03:04:05Z', managedFields: managed(time) },
  data,
});
const secret = (name: string, password: string): Obj => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace: 'prod', uid: `uid-${name}`, creationTimestamp: '2026-01-02T03:04:05Z' },
  data: { password: b64(Buffer.from(password)) },
  type: 'Opaque',
});

let dir: string;
let snapA: string;
let snapB: string;
let cfg: string;
let revA: bigint;
let revB: bigint;
// Set for the suite by useEtcd().
let srv: () => EtcdServer;
const at = () => `--endpoints=${srv().endpoint}`;
// Each key's mod revision as last written, and at snapshot A.
const rev = new Map<string, bigint>();
const revAtA = new Map<string, bigint>();

async function put(key: string, value: Buffer): Promise<void> {
  const r = await fetch(`http://${srv().endpoint}/v3/kv/put`, { method: 'POST', body: JSON.stringify({ key: b64(Buffer.from(key)), value: b64(value) }) });
  assert.equal(r.status, 200);
  rev.set(key, BigInt(((await r.json()) as { header: { revision: string } }).header.revision));
}
async function del(key: string): Promise<void> {
  const r = await fetch(`http://${srv().endpoint}/v3/kv/deleterange`, { method: 'POST', body: JSON.stringify({ key: b64(Buffer.from(key)) }) });
  assert.equal(r.status, 200);
  rev.delete(key);
}
const highest = (revs: Iterable<bigint>) => [...revs].reduce((x, y) => (y > x ? y : x), 0n);
const save = async (path: string) => assert.equal((await ours([at(), 'snapshot', 'save', path])).code, 0);

const CM = '/registry/configmaps';
const record = (change: string, key: string, kind: string, namespace: string, name: string, from: bigint | null, to: bigint | null) => ({
  change,
  key,
  kind,
  apiVersion: 'v1',
  namespace,
  name,
  fromRevision: from === null ? null : Number(from),
  toRevision: to === null ? null : Number(to),
});
const jsonl = (out: Buffer) =>
  out
    .toString()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Obj);

describe(`k8s diff${onEdge() ? '' : ` (${EDGES_ONLY})`}`, { skip: !onEdge() && EDGES_ONLY }, () => {
  srv = useEtcd({ setup: fill });
  async function fill(): Promise<void> {
    dir = tempDir();
    cfg = join(dir, 'encryption.yaml');
    writeFileSync(cfg, CONFIG);
    await put(`${CM}/prod/same`, storageValue(configMap('same', 'prod', { a: '1' })));
    await put(`${CM}/prod/bookkeeping`, storageValue(configMap('bookkeeping', 'prod', { a: '1' })));
    await put(`${CM}/prod/edited`, storageValue(configMap('edited', 'prod', { a: '1', conf: 'line 1\nline 2\nline 3\n' })));
    await put(`${CM}/prod/gone`, storageValue(configMap('gone', 'prod', { a: '1' })));
    await put(`${CM}/other/edited`, storageValue(configMap('edited', 'other', { a: '1' })));
    await put('/registry/secrets/prod/pw', aescbc(storageValue(secret('pw', 'old'))));
    await put('/registry/raw/thing', Buffer.from('not an object'));
    for (const [k, v] of rev) revAtA.set(k, v);
    snapA = join(dir, 'a.db');
    await save(snapA);
    revA = highest(rev.values());
    // Rewritten with only its managedFields time new: bookkeeping alone.
    await put(`${CM}/prod/bookkeeping`, storageValue(configMap('bookkeeping', 'prod', { a: '1' }, '2026-06-01T00:00:00Z')));
    await put(`${CM}/prod/edited`, storageValue(configMap('edited', 'prod', { a: '2', conf: 'line 1\nline two\nline 3\n' })));
    await put(`${CM}/other/edited`, storageValue(configMap('edited', 'other', { a: '1', b: 'new' })));
    await del(`${CM}/prod/gone`);
    await put(`${CM}/prod/new`, storageValue(configMap('new', 'prod', { a: '1' })));
    await put('/registry/secrets/prod/pw', aescbc(storageValue(secret('pw', 'new'))));
    await put('/registry/raw/thing', Buffer.from('still not an object'));
    snapB = join(dir, 'b.db');
    await save(snapB);
    revB = highest(rev.values());
  }

  const expected = () => [
    record('modified', `${CM}/other/edited`, 'ConfigMap', 'other', 'edited', revAtA.get(`${CM}/other/edited`)!, rev.get(`${CM}/other/edited`)!),
    record('modified', `${CM}/prod/edited`, 'ConfigMap', 'prod', 'edited', revAtA.get(`${CM}/prod/edited`)!, rev.get(`${CM}/prod/edited`)!),
    record('deleted', `${CM}/prod/gone`, 'ConfigMap', 'prod', 'gone', revAtA.get(`${CM}/prod/gone`)!, null),
    record('added', `${CM}/prod/new`, 'ConfigMap', 'prod', 'new', null, rev.get(`${CM}/prod/new`)!),
    { ...record('modified', '/registry/raw/thing', '', '', 'thing', revAtA.get('/registry/raw/thing')!, rev.get('/registry/raw/thing')!), apiVersion: '' },
    {
      ...record('modified', '/registry/secrets/prod/pw', '', 'prod', 'pw', revAtA.get('/registry/secrets/prod/pw')!, rev.get('/registry/secrets/prod/pw')!),
      apiVersion: '',
    },
  ];

  for (const [name, args] of [
    ['a snapshot against the cluster', () => [at(), `--snapshot=${snapA}`]],
    ['two snapshots', () => [`--snapshot=${snapA}`, `--snapshot=${snapB}`]],
    ['a revision against now', () => [at(), `--rev=${revA}`]],
  ] as const) {
    test(`-w jsonl: one record per changed object, in key order (${name}); exit 1`, async () => {
      const r = await ours([...args(), 'k8s', 'diff', '-w', 'jsonl']);
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stderr, '');
      assert.deepEqual(jsonl(r.stdout), expected());
    });
  }

  test('the simple form: a line per object, the hunks diff -u writes of k8s get on either side, then the count', async () => {
    const r = await ours([at(), `--snapshot=${snapA}`, 'k8s', 'diff', 'configmaps']);
    assert.equal(r.code, 1, r.stderr);
    const yaml = (...src: string[]) => execFileSync(process.execPath, [OURS, ...src, 'k8s', 'get', 'configmaps', 'edited', '-n', 'prod']);
    writeFileSync(join(dir, 'before.yaml'), yaml(`--snapshot=${snapA}`));
    writeFileSync(join(dir, 'after.yaml'), yaml(at()));
    const key = `${CM}/prod/edited`;
    const labels = [`${key}\t${snapA}, revision ${revAtA.get(key)}`, `${key}\tthe cluster, revision ${rev.get(key)}`];
    const gnu = spawnSync('diff', ['-u', '--label', labels[0]!, '--label', labels[1]!, join(dir, 'before.yaml'), join(dir, 'after.yaml')], {
      encoding: 'utf8',
    });
    assert.equal(gnu.status, 1);
    assert.match(gnu.stdout, /^-  a: "1"\n\+  a: "2"\n/m);
    const text = r.stdout.toString();
    const lines = text.split('\n');
    const block = (start: string) =>
      `${lines
        .slice(
          lines.indexOf(start) + 1,
          lines.findIndex((l, i) => i > lines.indexOf(start) && /^(added|deleted|modified) /.test(l)),
        )
        .join('\n')}\n`;
    assert.equal(block('modified  ConfigMap prod/edited'), gnu.stdout);
    assert.deepEqual(
      lines.filter((l) => /^(added|deleted|modified) /.test(l)),
      ['modified  ConfigMap other/edited', 'modified  ConfigMap prod/edited', 'deleted   ConfigMap prod/gone', 'added     ConfigMap prod/new'],
    );
    assert.equal(lines.at(-2), `4 objects changed from ${snapA} (revision ${revA}) to the cluster (revision ${revB}): 1 added, 1 deleted, 2 modified`);
    assert.doesNotMatch(text, /\x1b\[/);
  });

  test('--all counts a change of resourceVersion and managedFields times alone', async () => {
    const r = await ours([`--snapshot=${snapA}`, `--snapshot=${snapB}`, 'k8s', 'diff', 'configmaps', '-n', 'prod', '--all', '-w', 'jsonl']);
    assert.equal(r.code, 1, r.stderr);
    const key = `${CM}/prod/bookkeeping`;
    assert.deepEqual(
      jsonl(r.stdout).map((o) => [o.change, o.key]),
      [
        ['modified', key],
        ['modified', `${CM}/prod/edited`],
        ['deleted', `${CM}/prod/gone`],
        ['added', `${CM}/prod/new`],
      ],
    );
    const simple = (
      await ours([`--snapshot=${snapA}`, `--snapshot=${snapB}`, 'k8s', 'diff', 'configmaps', 'bookkeeping', '-n', 'prod', '--all'])
    ).stdout.toString();
    assert.match(simple, /^-    time: "2026-01-02T03:04:05Z"\n\+    time: "2026-06-01T00:00:00Z"\n/m);
    assert.match(simple, new RegExp(`^-  resourceVersion: "${revAtA.get(key)}"\\n\\+  resourceVersion: "${rev.get(key)}"$`, 'm'));
  });

  test('filters: a resource, a namespace, a name', async () => {
    const keys = async (...extra: string[]) =>
      jsonl((await ours([`--snapshot=${snapA}`, `--snapshot=${snapB}`, 'k8s', 'diff', '-w', 'jsonl', ...extra])).stdout).map((o) => o.key);
    assert.deepEqual(await keys('-n', 'other'), [`${CM}/other/edited`]);
    assert.deepEqual(await keys('configmaps', '-n', 'prod'), [`${CM}/prod/edited`, `${CM}/prod/gone`, `${CM}/prod/new`]);
    assert.deepEqual(await keys('configmaps', 'edited'), [`${CM}/other/edited`, `${CM}/prod/edited`]);
    assert.deepEqual(await keys('secrets'), ['/registry/secrets/prod/pw']);
  });

  test('encrypted values: compared as bytes without the keys, decrypted and shown as YAML with them', async () => {
    const without = await ours([`--snapshot=${snapA}`, `--snapshot=${snapB}`, 'k8s', 'diff', 'secrets']);
    assert.equal(without.code, 1);
    assert.match(
      without.stdout.toString(),
      /^modified  <encrypted> prod\/pw\n  the stored value changed \(\d+ to \d+ bytes\); before it does not decode: .*\n/,
    );
    const r = await ours([`--snapshot=${snapA}`, `--snapshot=${snapB}`, 'k8s', 'diff', 'secrets', `--encryption-provider-config=${cfg}`]);
    assert.equal(r.code, 1, r.stderr);
    const out = r.stdout.toString();
    assert.match(out, /^modified  Secret prod\/pw\n/);
    assert.match(out, new RegExp(`^-  password: ${b64(Buffer.from('old'))}\\n\\+  password: ${b64(Buffer.from('new'))}$`, 'm'));
    assert.ok(!out.includes(b64(KEY)));
  });

  test('nothing changed: exit 0 and a line saying so; json has the states compared', async () => {
    const r = await ours([at(), `--snapshot=${snapB}`, 'k8s', 'diff']);
    assert.deepEqual([r.code, r.stderr], [0, '']);
    assert.equal(r.stdout.toString(), `no objects changed from ${snapB} (revision ${revB}) to the cluster (revision ${revB})\n`);
    const j = await ours([`--snapshot=${snapA}`, `--snapshot=${snapA}`, 'k8s', 'diff', '-w', 'json']);
    assert.equal(j.code, 0);
    assert.deepEqual(JSON.parse(j.stdout.toString()), {
      from: { source: snapA, revision: Number(revA) },
      to: { source: snapA, revision: Number(revA) },
      added: 0,
      deleted: 0,
      modified: 0,
      changes: [],
    });
  });

  test('colour on a terminal only, never with NO_COLOR', async () => {
    const run = (env: Record<string, string>) =>
      onTerminal([process.execPath, OURS, `--snapshot=${snapA}`, `--snapshot=${snapB}`, 'k8s', 'diff', 'configmaps', 'edited', '-n', 'prod'], {
        env: { ...process.env, FORCE_COLOR: '1', ...env },
      });
    const tty = await run({});
    assert.equal(tty.code, 1, tty.out);
    assert.match(tty.out, /\x1b\[31m-  a: "1"\x1b\[39m/);
    assert.match(tty.out, /\x1b\[32m\+  a: "2"\x1b\[39m/);
    const plain = await run({ NO_COLOR: '1' });
    assert.equal(plain.code, 1);
    assert.match(plain.out, /-  a: "1"/);
    assert.doesNotMatch(plain.out, /\x1b\[/);
  });

  test('trouble exits 2 or more, with one Error line', async () => {
    const damaged = join(dir, 'damaged.db');
    const bytes = readFileSync(snapA);
    bytes.fill(0x58, 5000, 5008);
    writeFileSync(damaged, bytes);
    const cases: [string[], number, RegExp][] = [
      [[at()], 128, /^Error: k8s diff needs two states: /],
      [[`--snapshot=${snapA}`, `--snapshot=${snapA}`, `--snapshot=${snapA}`], 128, /^Error: k8s diff compares two states: give --snapshot at most twice$/],
      [[at(), `--snapshot=${snapA}`, '--rev=2'], 128, /^Error: --rev compares the cluster at that revision with now; it does not go with --snapshot$/],
      [[`--snapshot=${join(dir, 'missing.db')}`, `--snapshot=${snapA}`], 2, /missing\.db/],
      [[`--snapshot=${snapA}`, `--snapshot=${damaged}`], 2, /^Error: \S*\/damaged\.db: snapshot file is corrupt: /],
      [[at(), '--rev=999999'], 2, /^Error: .*future revision/],
      [['--endpoints=127.0.0.1:1', `--snapshot=${snapA}`, '--dial-timeout=300ms'], 2, /^Error: /],
      [[`--snapshot=${snapA}`, `--snapshot=${snapB}`, '-w', 'table'], 4, /^Error: table not supported as output format/],
    ];
    for (const [args, code, want] of cases) {
      const r = await ours([...args, 'k8s', 'diff']);
      assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(errorLines(r.stderr).length, 1, r.stderr);
      assert.match(errorLines(r.stderr)[0]!, want);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    }
  });
});
