// The Kubernetes decoder on its own: objects encoded by the test decode to
// what was written, YAML and JSON text, and damaged values (truncated,
// flipped, spliced) end in a DecodeError and nothing else.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { classify, DecodeError, toObject } from '../../src/k8s/decode.js';
import { resolveResource, resourceOfKey } from '../../src/k8s/resources.js';
import { humanAge } from '../../src/k8s/summary.js';
import { yamlText } from '../../src/k8s/text.js';
import { jsonText } from '../../src/base/json-text.js';
import { ROOT } from '../harness/cli.js';
import { storageValue } from '../harness/k8s-encode.js';

const PAIRS = join(ROOT, '..', 'shared', 'k8s', 'pairs');

const OWN = [
  storageValue({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'd', labels: { a: 'b' } }, data: { k: 'v' } }),
  storageValue({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'd', creationTimestamp: '2026-01-02T03:04:05Z', ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'x', uid: 'u' }] },
    spec: {
      containers: [{ name: 'c', image: 'i', resources: { requests: { cpu: '1' } }, livenessProbe: { httpGet: { path: '/', port: 8080 } } }],
      priority: -1,
    },
  }),
  storageValue({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'l' },
    spec: { renewTime: '2026-01-02T03:04:05.000001Z', leaseDurationSeconds: 15 },
  }),
];

function fixtures(): Buffer[] {
  const pairs = existsSync(PAIRS)
    ? readdirSync(PAIRS)
        .filter((f) => f.endsWith('.pb'))
        .map((f) => readFileSync(join(PAIRS, f)))
    : [];
  return [...OWN, ...pairs];
}

// Decodes fully; only DecodeError may come out.
function decodeOrDecodeError(b: Buffer): void {
  try {
    const v = classify(b);
    if (v.type === 'object') toObject(v, 7n);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw new Error(`${(e as Error).name}: ${(e as Error).message} for ${b.toString('hex').slice(0, 200)}`);
  }
}

test('objects written by the test decode to what was written', () => {
  const pod = toObject(classify(OWN[1]!), 42n);
  assert.deepEqual(Object.keys(pod).slice(0, 3), ['kind', 'apiVersion', 'metadata']);
  const md = pod.metadata as Record<string, unknown>;
  assert.equal(md.resourceVersion, '42');
  // In ObjectMeta's order: after name/namespace/uid, before creationTimestamp.
  assert.deepEqual(Object.keys(md), ['name', 'namespace', 'resourceVersion', 'creationTimestamp', 'ownerReferences']);
  const c = ((pod.spec as Record<string, unknown>).containers as Record<string, unknown>[])[0]!;
  assert.deepEqual((c.resources as Record<string, unknown>).requests, { cpu: '1' });
  assert.deepEqual((c.livenessProbe as Record<string, unknown>).httpGet, { path: '/', port: 8080 });
  assert.equal((pod.spec as Record<string, unknown>).priority, -1);
  const lease = toObject(classify(OWN[2]!));
  assert.equal((lease.spec as Record<string, unknown>).renewTime, '2026-01-02T03:04:05.000001Z');
});

test('classify: JSON objects, encrypted values, other values', () => {
  const j = classify(Buffer.from('{"apiVersion":"example.com/v1","kind":"W","metadata":{"name":"w","namespace":"n","finalizers":["f"]}}'));
  assert.equal(j.type, 'object');
  if (j.type === 'object') assert.deepEqual([j.encoding, j.meta.name, j.meta.namespace, j.meta.finalizers], ['json', 'w', 'n', ['f']]);
  assert.deepEqual(classify(Buffer.from('k8s:enc:kms:v2:my-kms:\x00\x01')), { type: 'encrypted', provider: 'kms v2', key: 'my-kms' });
  assert.deepEqual(classify(Buffer.from('{"not":"k8s"}')), { type: 'other' });
  assert.deepEqual(classify(Buffer.from('plain')), { type: 'other' });
  assert.throws(() => toObject(classify(Buffer.from('plain'))), DecodeError);
});

test('damaged values: every truncation, flipped bytes and spliced garbage end in a DecodeError or a result', () => {
  let seed = 0x2545f491;
  const rand = (n: number) => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % n;
  };
  let tried = 0;
  for (const f of fixtures()) {
    for (let n = 0; n < f.length; n += Math.max(1, Math.floor(f.length / 400))) {
      decodeOrDecodeError(f.subarray(0, n));
      tried++;
    }
    for (let i = 0; i < 300; i++) {
      const b = Buffer.from(f);
      const k = 1 + rand(4);
      for (let j = 0; j < k; j++) b[4 + rand(b.length - 4)] = rand(256);
      decodeOrDecodeError(b);
      const at = 4 + rand(f.length - 4);
      decodeOrDecodeError(Buffer.concat([f.subarray(0, at), Buffer.from([rand(256), rand(256), rand(256)]), f.subarray(at)]));
      tried += 2;
    }
  }
  assert.ok(tried > 1000);
});

test('JSON and YAML text', () => {
  const v = {
    kind: 'X',
    n: 1,
    big: 2n ** 63n - 1n,
    empty: {},
    list: [],
    s: 'a: b',
    t: '2026-01-01T00:00:00Z',
    num: '10',
    multi: 'a\nb\n',
    items: [{ a: 1, b: [1, 2] }, 'x'],
  };
  assert.equal(jsonText({ a: [1, { b: 9223372036854775807n }] }), '{\n  "a": [\n    1,\n    {\n      "b": 9223372036854775807\n    }\n  ]\n}');
  // "n" is quoted: YAML 1.1 (and so kubectl's YAML) reads it as false.
  assert.equal(
    yamlText(v),
    'big: 9223372036854775807\nempty: {}\nitems:\n- a: 1\n  b:\n  - 1\n  - 2\n- x\nkind: X\nlist: []\nmulti: |\n  a\n  b\n"n": 1\nnum: "10"\ns: \'a: b\'\nt: "2026-01-01T00:00:00Z"\n',
  );
});

test('resource names and key layout', () => {
  assert.deepEqual(resolveResource('po'), { name: 'pods', prefix: '/registry/pods/' });
  assert.deepEqual(resolveResource('svc'), { name: 'services', prefix: '/registry/services/specs/' });
  assert.deepEqual(resolveResource('nodes'), { name: 'nodes', prefix: '/registry/minions/' });
  assert.deepEqual(resolveResource('deployments.apps'), { name: 'deployments.apps', prefix: '/registry/deployments/' });
  assert.deepEqual(resolveResource('ing'), { name: 'ingresses.networking.k8s.io', prefix: '/registry/ingress/' });
  assert.deepEqual(resolveResource('crd'), {
    name: 'customresourcedefinitions.apiextensions.k8s.io',
    prefix: '/registry/apiextensions.k8s.io/customresourcedefinitions/',
  });
  assert.deepEqual(resolveResource('widgets.example.com'), { name: 'widgets.example.com', prefix: '/registry/example.com/widgets/' });
  assert.equal(resourceOfKey('/registry/services/specs/default/web'), 'services/specs');
  assert.equal(resourceOfKey('/registry/example.com/widgets/default/w'), 'example.com/widgets');
  assert.equal(resourceOfKey('/registry/pods/default/web'), 'pods');
  assert.equal(resourceOfKey('/registry/namespaces/default'), 'namespaces');
  assert.deepEqual(
    [humanAge(5000), humanAge(300_000), humanAge(3 * 3600_000), humanAge(3 * 86400_000), humanAge(1000 * 86400_000)],
    ['5s', '5m', '3h', '3d', '2y270d'],
  );
});

test('zero times in structs print null, as Go writes a zero metav1.Time even under omitempty; unset pointers and omitzero fields are left out', () => {
  const objects = [
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'd' }, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } },
    { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', namespace: 'd' }, status: { conditions: [{ type: 'Complete', status: 'True' }] } },
    { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } },
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'd' }, status: { conditions: [{ type: 'Available', status: 'True' }] } },
  ];
  const times: Record<string, string[]> = {
    Pod: ['lastProbeTime', 'lastTransitionTime'],
    Job: ['lastProbeTime', 'lastTransitionTime'],
    Node: ['lastHeartbeatTime', 'lastTransitionTime'],
    Deployment: ['lastUpdateTime', 'lastTransitionTime'],
  };
  for (const o of objects) {
    const got = toObject(classify(storageValue(o as unknown as Parameters<typeof storageValue>[0]))) as {
      metadata: Record<string, unknown>;
      status: { conditions: Record<string, unknown>[]; startTime?: unknown };
    };
    const cond = got.status.conditions[0]!;
    for (const t of times[o.kind]!) assert.ok(t in cond && cond[t] === null, `${o.kind} condition ${t}: ${JSON.stringify(cond)}`);
    assert.deepEqual([cond.type, cond.status], [o.status.conditions[0]!.type, 'True']);
    // *metav1.Time (deletionTimestamp, Pod startTime) unset: no key; creationTimestamp is omitzero.
    assert.ok(!('deletionTimestamp' in got.metadata) && !('creationTimestamp' in got.metadata), JSON.stringify(got.metadata));
    if (o.kind === 'Pod') assert.ok(!('startTime' in got.status));
    assert.match(jsonText(got as never), new RegExp(`"${times[o.kind]![0]}": null`));
  }
});
