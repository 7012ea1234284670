// k8s ls, get, usage and watch against a real etcd holding what an API
// server would store: objects this test encodes itself (protobuf and
// JSON), encrypted values, a value that is no Kubernetes object and, where
// ../shared/k8s/pairs exists, Kubernetes' own storage pairs; then the same
// reads from a snapshot file of that server.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { parse } from 'yaml';
import { errorLines, etcdctl, ours, ROOT } from '../harness/cli.js';
import { startEtcd, tempDir, type EtcdServer } from '../harness/etcd.js';
import { resolveResource } from '../../src/k8s/resources.js';
import { BoltFile, PageFlag } from '../../src/snapshot/bbolt.js';
import { storageValue } from '../harness/k8s-encode.js';
import { kubectlYaml } from '../harness/kubectl-yaml.js';
import type { JsonValue } from '../../src/base/json-text.js';
import { start } from '../harness/proc.js';
import { EDGES_ONLY, onEdge } from '../harness/servers.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

const PAIRS = join(ROOT, '..', 'shared', 'k8s', 'pairs');
const hasPairs = existsSync(PAIRS);

let srv: EtcdServer;
let snap: string;
const at = () => `--endpoints=${srv.endpoint}`;

// Objects of the test's own, stored as the API server stores them.
const meta = (name: string, namespace?: string): Obj => ({
  name,
  ...(namespace ? { namespace } : {}),
  uid: `uid-${name}`,
  creationTimestamp: '2026-01-02T03:04:05Z',
  labels: { app: name },
  annotations: { note: 'x' },
});
const OWN: { key: string; obj: Obj }[] = [
  {
    key: '/registry/configmaps/default/settings',
    obj: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: meta('settings', 'default'),
      data: { 'a.conf': 'line 1\nline 2\n', mode: 'on' },
      binaryData: { blob: Buffer.from([0, 1, 255]).toString('base64') },
      immutable: true,
    },
  },
  {
    key: '/registry/pods/default/web',
    obj: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        ...meta('web', 'default'),
        finalizers: ['example.com/hold'],
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-rs', uid: 'uid-rs', controller: true }],
      },
      spec: {
        containers: [
          { name: 'app', image: 'nginx:1.27', ports: [{ containerPort: 80, protocol: 'TCP' }], resources: { limits: { cpu: '500m', memory: '128Mi' } } },
        ],
        restartPolicy: 'Always',
        priority: -5,
      },
      status: { phase: 'Running', podIP: '10.0.0.7' },
    },
  },
  {
    key: '/registry/pods/kube-system/dns',
    obj: { apiVersion: 'v1', kind: 'Pod', metadata: meta('dns', 'kube-system'), spec: { containers: [{ name: 'dns', image: 'coredns:1.11' }] } },
  },
  {
    key: '/registry/namespaces/default',
    obj: { apiVersion: 'v1', kind: 'Namespace', metadata: meta('default'), spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } },
  },
  {
    key: '/registry/services/specs/default/web',
    obj: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta('web', 'default'),
      spec: {
        ports: [
          { name: 'http', port: 80, targetPort: 8080 },
          { name: 'alt', port: 81, targetPort: 'metrics' },
        ],
        selector: { app: 'web' },
        type: 'ClusterIP',
      },
    },
  },
  {
    key: '/registry/deployments/default/web',
    obj: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { ...meta('web', 'default'), generation: 3 },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx' }] } },
      },
    },
  },
  {
    key: '/registry/leases/kube-node-lease/node-1',
    obj: {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: meta('node-1', 'kube-node-lease'),
      spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40, renewTime: '2026-01-02T03:04:05.123456Z' },
    },
  },
];
// Stored as JSON: a custom resource.
const WIDGET: Obj = {
  apiVersion: 'example.com/v1',
  kind: 'Widget',
  metadata: { name: 'w1', namespace: 'default', uid: 'uid-w1', creationTimestamp: '2026-01-02T03:04:05Z', resourceVersion: '' },
  spec: { size: 3 },
};
const ENCRYPTED = Buffer.concat([Buffer.from('k8s:enc:aescbc:v1:key1:'), Buffer.from([0x00, 0xff, 0x10, 0x20, 0x30])]);

// A pair under the key the API server would give it: its resource's
// prefix, then namespace (namespaced kinds) and name. Kinds that are never
// stored (options, Status, WatchEvent) go under a prefix of their own.
const CLUSTER_SCOPED = new Set(['Namespace', 'Node', 'PersistentVolume', 'ComponentStatus']);
function pairKey(file: string): string {
  const kind = file.replace(/\.pb$/, '').split('.').pop()!;
  const want = JSON.parse(readFileSync(join(PAIRS, file.replace(/\.pb$/, '.json')), 'utf8')) as {
    metadata?: { name?: string; namespace?: string; uid?: string };
  };
  if (!want.metadata?.uid) return `/registry/unstored/${file.replace(/\.pb$/, '')}`;
  const lower = kind.toLowerCase();
  const plural = lower.endsWith('s') ? (lower.endsWith('ss') || lower.endsWith('us') ? `${lower}es` : lower) : `${lower}s`;
  const ns = CLUSTER_SCOPED.has(kind) ? '' : `${want.metadata.namespace}/`;
  return `${resolveResource(plural).prefix}${ns}${want.metadata.name}`;
}
const pairFiles = hasPairs ? readdirSync(PAIRS).filter((f) => f.endsWith('.pb')) : [];

async function put(key: string, value: Buffer): Promise<bigint> {
  const r = await fetch(`http://${srv.endpoint}/v3/kv/put`, {
    method: 'POST',
    body: JSON.stringify({ key: Buffer.from(key).toString('base64'), value: value.toString('base64') }),
  });
  const body = (await r.json()) as { header: { revision: string } };
  return BigInt(body.header.revision);
}

const revs = new Map<string, bigint>();
const stored = new Map<string, Buffer>();

before(async () => {
  srv = await startEtcd();
  const all: [string, Buffer][] = [
    ...OWN.map((o): [string, Buffer] => [o.key, storageValue(o.obj)]),
    ['/registry/example.com/widgets/default/w1', Buffer.from(JSON.stringify(WIDGET))],
    ['/registry/secrets/default/sealed', ENCRYPTED],
    ['/registry/masterleases/10.0.0.1', Buffer.from('not an object')],
    ...pairFiles.map((f): [string, Buffer] => [pairKey(f), readFileSync(join(PAIRS, f))]),
  ];
  for (const [k, v] of all) {
    revs.set(k, await put(k, v));
    stored.set(k, v);
  }
  // Outside /registry: never listed.
  await put('compact_rev_key', Buffer.from('x'));
  snap = join(tempDir(), 'k8s.db');
  const saved = await ours([at(), 'snapshot', 'save', snap]);
  assert.equal(saved.code, 0, saved.stderr);
});

after(async () => {
  await srv?.stop();
});

// Every field the test wrote is in the decoded object, with its value;
// fields the API would show at their zero values may come on top.
function contains(got: Json, want: Json, path = ''): void {
  if (want !== null && typeof want === 'object' && !Array.isArray(want)) {
    assert.ok(got !== null && typeof got === 'object' && !Array.isArray(got), `${path} is not an object`);
    for (const [k, v] of Object.entries(want)) contains((got as Obj)[k] ?? null, v, `${path}.${k}`);
  } else if (Array.isArray(want)) {
    assert.ok(Array.isArray(got) && got.length === want.length, `${path} has ${JSON.stringify(got)}`);
    for (const [i, v] of want.entries()) contains((got as Json[])[i]!, v, `${path}[${i}]`);
  } else assert.deepEqual(got, want, path);
}

describe('k8s get', () => {
  for (const source of ['live', 'snapshot']) {
    test(`objects this test encoded decode to what it wrote (${source})`, async () => {
      const from = source === 'live' ? [at()] : [`--snapshot=${snap}`];
      for (const o of OWN) {
        const r = await ours([...from, 'k8s', 'get', o.key, '-o', 'json']);
        assert.equal(r.code, 0, r.stderr);
        const got = JSON.parse(r.stdout.toString()) as Obj;
        const want = JSON.parse(JSON.stringify(o.obj)) as Obj;
        contains(got, want);
        assert.deepEqual(Object.keys(got).slice(0, 2), ['kind', 'apiVersion']);
        assert.equal((got.metadata as Obj).resourceVersion, String(revs.get(o.key)));
      }
      const w = JSON.parse((await ours([...from, 'k8s', 'get', 'widgets.example.com', 'w1', '-n', 'default', '-o', 'json'])).stdout.toString()) as Obj;
      assert.deepEqual(w, {
        ...WIDGET,
        metadata: { ...(WIDGET.metadata as Obj), resourceVersion: String(revs.get('/registry/example.com/widgets/default/w1')) },
      });
    });
  }

  test('by resource and name as kubectl spells them; YAML by default', async () => {
    const r = await ours([at(), 'k8s', 'get', 'po', 'web']);
    assert.equal(r.code, 0, r.stderr);
    const y = r.stdout.toString();
    assert.match(y, /^apiVersion: v1\nkind: Pod\nmetadata:\n {2}annotations:\n {4}note: x\n/);
    assert.match(y, /\n {2}finalizers:\n {2}- example\.com\/hold\n/);
    assert.match(y, /\n {2}resourceVersion: "\d+"|\n {2}resourceVersion: '\d+'\n/);
    assert.match(y, /\n {2}- image: nginx:1\.27\n {4}name: app\n/);
    const cm = (await ours([at(), 'k8s', 'get', 'cm', 'settings', '-n', 'default'])).stdout.toString();
    assert.match(cm, /\n {2}a\.conf: \|\n {4}line 1\n {4}line 2\n/);
    const ns = await ours([at(), 'k8s', 'get', 'ns', 'default', '-o', 'json']);
    assert.equal((JSON.parse(ns.stdout.toString()) as Obj).kind, 'Namespace');
    const meta = JSON.parse((await ours([at(), 'k8s', 'get', 'pods', 'web', '--meta-only', '-o', 'json'])).stdout.toString()) as Obj;
    assert.deepEqual((meta.metadata as Obj).finalizers, ['example.com/hold']);
    assert.equal((meta.metadata as Obj).uid, 'uid-web');
  });

  test('refusals: missing, encrypted, not an object', async () => {
    const missing = await ours([at(), 'k8s', 'get', 'pods', 'nope']);
    assert.equal(missing.code, 1);
    assert.deepEqual(errorLines(missing.stderr), ['Error: pods "nope" not found (looked at /registry/pods/default/nope, /registry/pods/nope)']);
    const enc = await ours([at(), 'k8s', 'get', 'secrets', 'sealed']);
    assert.deepEqual(errorLines(enc.stderr), ['Error: /registry/secrets/default/sealed cannot be decoded: the value is encrypted (aescbc v1)']);
    const encMeta = JSON.parse((await ours([at(), 'k8s', 'get', '/registry/secrets/default/sealed', '--meta-only', '-o', 'json'])).stdout.toString()) as Obj;
    assert.deepEqual(encMeta.encryption, { provider: 'aescbc v1', key: 'key1' });
    const other = await ours([at(), 'k8s', 'get', '/registry/masterleases/10.0.0.1']);
    assert.deepEqual(errorLines(other.stderr), ['Error: /registry/masterleases/10.0.0.1 cannot be decoded: the value is not a Kubernetes object']);
    const bad = await ours([at(), 'k8s', 'get', 'pods', 'web', '-o', 'xml']);
    assert.equal(bad.code, 4);
  });

  for (const source of ['live', 'snapshot']) {
    test(`without a name: a kind: List of the matching objects, as kubectl prints one; --strip for kubectl apply (${source})${onEdge() ? '' : ` (${EDGES_ONLY})`}`, {
      skip: !onEdge() && EDGES_ONLY,
    }, async () => {
      const from = source === 'live' ? [at()] : [`--snapshot=${snap}`];
      const list = async (...args: string[]) => {
        const r = await ours([...from, 'k8s', 'get', ...args, '-o', 'json']);
        assert.equal(r.code, 0, r.stderr);
        return JSON.parse(r.stdout.toString()) as { apiVersion: string; kind: string; metadata: Obj; items: Obj[] };
      };
      const names = (l: { items: Obj[] }) => l.items.map((o) => `${(o.metadata as Obj).namespace ?? ''}/${(o.metadata as Obj).name}`);
      const pods = await list('pods');
      assert.deepEqual([pods.apiVersion, pods.kind, pods.metadata], ['v1', 'List', { resourceVersion: '' }]);
      assert.deepEqual(names(pods), ['default/web']);
      // Every pod stored (the storage pairs add one of Kubernetes' own).
      const storedPods = [...stored.keys()]
        .filter((k) => k.startsWith('/registry/pods/'))
        .map((k) => k.slice('/registry/pods/'.length))
        .sort();
      assert.deepEqual(names(await list('pods', '-A')), storedPods);
      assert.deepEqual(names(await list('po', '-n', 'kube-system')), ['kube-system/dns']);
      assert.ok(names(await list('namespaces')).includes('/default'));
      // Each item is what get prints for it alone.
      const web = JSON.parse((await ours([...from, 'k8s', 'get', 'pods', 'web', '-o', 'json'])).stdout.toString()) as Obj;
      assert.deepEqual(pods.items[0], web);
      // YAML: the same list, in kubectl's layout.
      const y = await ours([...from, 'k8s', 'get', 'pods', '-A']);
      assert.equal(y.code, 0, y.stderr);
      assert.match(y.stdout.toString(), /^apiVersion: v1\nitems:\n- apiVersion: v1\n {2}kind: Pod\n/);
      assert.equal(parse(y.stdout.toString()).items.length, storedPods.length);
      assert.match(y.stdout.toString(), /\nkind: List\nmetadata:\n {2}resourceVersion: ""\n$/);
      assert.deepEqual(parse(y.stdout.toString()), await list('pods', '-A'));
      // --strip: nothing the API server owns.
      const bare = await list('pods', '-n', 'default', '--strip');
      for (const o of bare.items) {
        const md = o.metadata as Obj;
        for (const k of ['resourceVersion', 'uid', 'creationTimestamp', 'managedFields', 'selfLink']) assert.ok(!(k in md), `${k} in ${JSON.stringify(md)}`);
        assert.ok(!('status' in o));
        assert.ok(md.name && md.labels);
      }
      const one = JSON.parse((await ours([...from, 'k8s', 'get', 'pods', 'web', '--strip', '-o', 'json'])).stdout.toString()) as Obj;
      assert.deepEqual(one, bare.items[0]);
      const refused = await ours([...from, 'k8s', 'get', 'pods', 'web', '-A']);
      assert.deepEqual([refused.code, errorLines(refused.stderr)], [128, ['Error: --all-namespaces is for a list: give a resource without a name']]);
    });
  }

  // Decoding is the client's: the bytes stored are the same on every release.
  test(`every storage pair of ../shared/k8s/pairs decodes to its JSON, live and from the snapshot, and its -o yaml parses back to it (YAML 1.1 and 1.2)${onEdge() ? '' : ` (${EDGES_ONLY})`}`, {
    skip: (!hasPairs && 'no ../shared/k8s/pairs here') || (!onEdge() && EDGES_ONLY),
  }, async () => {
    for (const from of [[at()], [`--snapshot=${snap}`]]) {
      for (const f of pairFiles) {
        const r = await ours([...from, 'k8s', 'get', pairKey(f), '-o', 'json']);
        assert.equal(r.code, 0, `${f}: ${r.stderr}`);
        const got = JSON.parse(r.stdout.toString()) as Obj;
        if (from[0] === at()) {
          const y = await ours([...from, 'k8s', 'get', pairKey(f)]);
          assert.equal(y.code, 0, `${f}: ${y.stderr}`);
          for (const version of ['1.1', '1.2'] as const)
            assert.ok(isDeepStrictEqual(parse(y.stdout.toString(), { version }), got), `${f} (YAML ${version}):\n${y.stdout.toString()}`);
          // And it is what kubectl writes for that JSON.
          assert.equal(y.stdout.toString(), kubectlYaml([got as JsonValue])[0], `${f}: not kubectl's YAML`);
        }
        const want = JSON.parse(readFileSync(join(PAIRS, f.replace(/\.pb$/, '.json')), 'utf8')) as Obj;
        // Stored objects carry no resourceVersion: it is the key's mod revision.
        if (want.metadata && typeof want.metadata === 'object' && 'resourceVersion' in (want.metadata as Obj)) {
          assert.equal((got.metadata as Obj).resourceVersion, String(revs.get(pairKey(f))), f);
          delete (want.metadata as Obj).resourceVersion;
          delete (got.metadata as Obj).resourceVersion;
        }
        assert.ok(isDeepStrictEqual(got, want), `${f}:\n${JSON.stringify(got)}\n${JSON.stringify(want)}`);
      }
    }
  });
});

describe('k8s ls', () => {
  for (const source of ['live', 'snapshot']) {
    test(`every key under /registry, with kind, namespace and name (${source})`, async () => {
      const flags = source === 'live' ? [at()] : [`--snapshot=${snap}`];
      const r = await ours([...flags, 'k8s', 'ls', '-w', 'json']);
      assert.equal(r.code, 0, r.stderr);
      const doc = JSON.parse(r.stdout.toString()) as { revision: number; items: Obj[] };
      assert.deepEqual(
        doc.items.map((i) => i.key),
        [...stored.keys()].sort(),
      );
      const byKey = new Map(doc.items.map((i) => [i.key as string, i]));
      const web = byKey.get('/registry/pods/default/web')!;
      assert.deepEqual(
        [web.kind, web.apiVersion, web.namespace, web.name, web.encoding, web.size],
        ['Pod', 'v1', 'default', 'web', 'protobuf', stored.get('/registry/pods/default/web')!.length],
      );
      assert.equal(web.modRevision, Number(revs.get('/registry/pods/default/web')));
      assert.deepEqual((web.metadata as Obj).ownerReferences, [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-rs', uid: 'uid-rs', controller: true }]);
      assert.deepEqual([byKey.get('/registry/namespaces/default')!.namespace, byKey.get('/registry/namespaces/default')!.name], ['', 'default']);
      assert.equal(byKey.get('/registry/example.com/widgets/default/w1')!.encoding, 'json');
      assert.deepEqual(byKey.get('/registry/secrets/default/sealed')!.encryption, { provider: 'aescbc v1', key: 'key1' });
      assert.equal(byKey.get('/registry/masterleases/10.0.0.1')!.encoding, 'other');
    });
  }

  test('a resource, a namespace, a name; the table; jsonl', async () => {
    const pods = await ours([at(), 'k8s', 'ls', 'pods']);
    const lines = pods.stdout.toString().trimEnd().split('\n');
    assert.match(lines[0]!, /^NAMESPACE\s+NAME\s+KIND\s+APIVERSION\s+AGE\s+SIZE\s+REVISION$/);
    const podKeys = [...stored.keys()].filter((k) => k.startsWith('/registry/pods/')).sort();
    assert.deepEqual(
      lines.slice(1).map((l) => l.split(/\s+/).slice(0, 4)),
      podKeys.map((k) => [...k.split('/').slice(3), 'Pod', 'v1']),
    );
    assert.ok(podKeys.includes('/registry/pods/kube-system/dns'));
    const one = await ours([at(), 'k8s', 'ls', 'po', '-n', 'kube-system']);
    assert.match(one.stdout.toString(), /^NAME\s+KIND\s+APIVERSION\s+AGE\s+SIZE\s+REVISION\ndns\s+Pod\s+v1\s+\S+\s+\S+\s+\d+\n$/);
    const secrets = await ours([at(), 'k8s', 'ls', 'secrets', '-w', 'table']);
    assert.match(secrets.stdout.toString(), /ENCRYPTED/);
    assert.match(secrets.stdout.toString(), /aescbc v1 \(key1\)/);
    assert.match(secrets.stdout.toString(), /^┌/);
    const jsonl = (await ours([at(), 'k8s', 'ls', '-w', 'jsonl'])).stdout.toString().trimEnd().split('\n');
    assert.equal(jsonl.length, stored.size);
    assert.equal((JSON.parse(jsonl[0]!) as Obj).key, [...stored.keys()].sort()[0]);
    const refused = await ours([at(), 'k8s', 'ls', '-w', 'fields']);
    assert.equal(refused.code, 4);
  });
});

describe('k8s usage', () => {
  for (const source of ['live', 'snapshot']) {
    test(`totals are the sum of the stored values, per resource and namespace (${source})`, async () => {
      const flags = source === 'live' ? [at()] : [`--snapshot=${snap}`];
      const r = await ours([...flags, 'k8s', 'usage', '-w', 'json', '--top', '3']);
      assert.equal(r.code, 0, r.stderr);
      const doc = JSON.parse(r.stdout.toString()) as { objects: number; bytes: number; groups: Obj[]; largest: Obj[] };
      const sizes = [...stored.values()].map((v) => v.length);
      assert.equal(doc.objects, stored.size);
      assert.equal(
        doc.bytes,
        sizes.reduce((a, b) => a + b, 0),
      );
      assert.equal(
        doc.groups.reduce((n, g) => n + (g.bytes as number), 0),
        doc.bytes,
      );
      const pods = doc.groups.find((g) => g.name === 'pods')!;
      const podValues = [...stored].filter(([k]) => k.startsWith('/registry/pods/')).map(([, v]) => v.length);
      assert.equal(pods.objects, podValues.length);
      assert.equal(
        pods.bytes,
        podValues.reduce((a, b) => a + b, 0),
      );
      assert.deepEqual(
        doc.largest.map((o) => o.bytes),
        [...sizes].sort((a, b) => b - a).slice(0, 3),
      );
      const ns = JSON.parse((await ours([...flags, 'k8s', 'usage', '--by', 'namespace', '-w', 'json'])).stdout.toString()) as { groups: Obj[] };
      assert.equal(ns.groups.find((g) => g.name === 'kube-system')!.objects, 1);
    });
  }
  test('the table names each resource, its share and largest object', async () => {
    const r = await ours([at(), 'k8s', 'usage', '--top', '2']);
    const text = r.stdout.toString();
    assert.match(text, /^RESOURCE\s+OBJECTS\s+BYTES\s+SHARE\s+LARGEST\n/);
    assert.match(text, /\npods\s+\d+\s+\S+\s+\d+\.\d%\s+\/registry\/pods\/\S+ \(/);
    assert.match(text, /\nTOTAL\s+\d+\s+\S+\s+100\.0%\n/);
    assert.match(text, /\n\nLARGEST OBJECTS\s+KIND\s+BYTES\n/);
  });
});

describe('a damaged or compressed snapshot', () => {
  // Pages of the key bucket's tree, found with the reader the tool itself uses.
  function keyLeaves(path: string): number[] {
    const db = BoltFile.open(path);
    try {
      const bucket = [...db.buckets()].find((b) => b.key.toString() === 'key')!.value;
      const root = Number(bucket.readBigUInt64LE(0));
      const out: number[] = [];
      const walk = (id: number) => {
        const p = db.page(id);
        if (p.flags === PageFlag.Leaf) out.push(id);
        else for (const e of db.elements(p)) walk(e.child);
      };
      walk(root);
      return out;
    } finally {
      db.close();
    }
  }

  test('a corrupted or zeroed page, or a bad trailer, is an error (exit 1), never a shorter answer; --force prints what can be read with a warning', async () => {
    const dir = tempDir();
    const good = (await ours([`--snapshot=${snap}`, 'k8s', 'ls', '-w', 'json'])).stdout.toString();
    const leaves = keyLeaves(snap);
    assert.ok(leaves.length >= 1, 'the key bucket has pages of its own');
    const orig = readFileSync(snap);
    const ps = 4096;
    const cases: [string, (b: Buffer) => void, RegExp][] = [
      // Without a trailer (a member's db), damage shows in the structure.
      ['zeroed', (b) => b.fill(0, leaves[0]! * ps, leaves[0]! * ps + ps), /is damaged, so what it holds cannot all be read \(\d+ problems?: page \d+: /],
      ['corrupted', (b) => b.writeUInt16LE(0x7fff, leaves[0]! * ps + 10), /is damaged, so what it holds cannot all be read \(\d+ problems?: /],
    ];
    for (const [name, damage, msg] of cases) {
      const b = Buffer.from(orig.subarray(0, orig.length - 32));
      damage(b);
      const path = join(dir, `${name}.db`);
      writeFileSync(path, b);
      for (const cmd of [['ls'], ['get', '/registry/pods/default/web', '-o', 'json'], ['usage']]) {
        const r = await ours([`--snapshot=${path}`, 'k8s', ...cmd]);
        assert.equal(r.code, 1, `${name} ${cmd.join(' ')}: ${r.stdout.toString()}`);
        assert.match(errorLines(r.stderr)[0]!, msg, name);
        assert.equal(r.stdout.toString(), '', 'nothing printed');
      }
      const forced = await ours([`--snapshot=${path}`, 'k8s', 'ls', '-w', 'json', '--force']);
      assert.equal(forced.code, 0, forced.stderr);
      assert.match(
        forced.stderr,
        new RegExp(`^etcdctl-ts: warning: ${path.replace(/[.]/g, '\\.')} is damaged; what follows leaves out what could not be read`, 'm'),
      );
      const items = (text: string) => (JSON.parse(text) as { items: unknown[] }).items.length;
      assert.ok(items(forced.stdout.toString()) < items(good), `${name}: fewer objects than the whole file holds`);
    }
    // A trailer that does not match: refused before anything is read.
    const flipped = Buffer.from(orig);
    flipped[flipped.length - 1]! ^= 1;
    writeFileSync(join(dir, 'trailer.db'), flipped);
    const t = await ours([`--snapshot=${join(dir, 'trailer.db')}`, 'k8s', 'ls']);
    assert.equal(t.code, 1);
    assert.match(
      errorLines(t.stderr)[0]!,
      /^Error: \S*\/trailer\.db: snapshot file is corrupt: its sha256 trailer says [0-9a-f]{64} but its content hashes to [0-9a-f]{64}$/,
    );
  });

  test('a gzip backup reads as its database; a directory is named as such', async () => {
    const gz = join(tempDir(), 'k8s.db.gz');
    assert.equal((await ours([at(), 'snapshot', 'save', gz, '--compress', 'gzip'])).code, 0);
    const [plain, zipped] = await Promise.all([ours([`--snapshot=${snap}`, 'k8s', 'ls', '-w', 'json']), ours([`--snapshot=${gz}`, 'k8s', 'ls', '-w', 'json'])]);
    assert.equal(zipped.code, 0, zipped.stderr);
    // The later save holds the same objects (the revision is the same: nothing was written since).
    assert.equal(zipped.stdout.toString(), plain.stdout.toString());
    const d = await ours([`--snapshot=${tempDir()}`, 'k8s', 'ls']);
    assert.equal(d.code, 1);
    assert.match(errorLines(d.stderr)[0]!, /^Error: \S+ is a directory, not a snapshot file$/);
  });
});

describe('completion', () => {
  test('k8s ls <Tab> offers the resources present, as kubectl names them', async () => {
    const r = await ours(['__complete', at(), 'k8s', 'ls', '']);
    const got = r.stdout.toString().trim().split('\n').slice(0, -1);
    for (const name of ['configmaps', 'deployments', 'leases', 'masterleases', 'namespaces', 'pods', 'secrets', 'services', 'widgets.example.com'])
      assert.ok(got.includes(name), `${name} in ${got.join(' ')}`);
    const p = (await ours(['__complete', at(), 'k8s', 'get', 'se'])).stdout.toString().trim().split('\n').slice(0, -1);
    assert.ok(p.length >= 2 && p.every((x) => x.startsWith('se')) && p.includes('secrets') && p.includes('services'), p.join(' '));
  });
});

describe('k8s watch', () => {
  test('ADDED, MODIFIED and DELETED, one line each, with kind and namespace/name', async () => {
    const w = start(process.execPath, [join(ROOT, 'bin', 'etcdctl-ts.js'), at(), 'k8s', 'watch', 'configmaps', '-w', 'jsonl']);
    try {
      // The watch is set up once a change made after it starts shows up.
      const cm = (name: string, data: Obj): Obj => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(name, 'watched'), data });
      let n = 0;
      for (;;) {
        await put(`/registry/configmaps/watched/probe`, storageValue(cm('probe', { n: String(n++) })));
        try {
          await w.waitFor('"name":"probe"', 500);
          break;
        } catch {
          if (n > 40) throw new Error(`no event: ${w.err()}`);
        }
      }
      await put('/registry/configmaps/watched/c1', storageValue(cm('c1', { v: '1' })));
      await put('/registry/configmaps/watched/c1', storageValue(cm('c1', { v: '2' })));
      await etcdctl([at(), 'del', '/registry/configmaps/watched/c1']);
      await put('/registry/pods/watched/not-shown', storageValue({ apiVersion: 'v1', kind: 'Pod', metadata: meta('not-shown', 'watched') }));
      await put('/registry/configmaps/watched/end', storageValue(cm('end', {})));
      await w.waitFor('"name":"end"');
      const events = w
        .out()
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as Obj)
        .filter((e) => e.name !== 'probe');
      assert.deepEqual(
        events.map((e) => [e.type, e.kind, e.namespace, e.name]),
        [
          ['ADDED', 'ConfigMap', 'watched', 'c1'],
          ['MODIFIED', 'ConfigMap', 'watched', 'c1'],
          ['DELETED', 'ConfigMap', 'watched', 'c1'],
          ['ADDED', 'ConfigMap', 'watched', 'end'],
        ],
      );
    } finally {
      await w.stop();
    }
  });
});
