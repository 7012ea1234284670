// k8s diff's comparison on its own, over sides held in memory: what is
// added, deleted or modified, what counts as a change with and without
// --all, and that a key is read again only when its version differs.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { type DiffEntry, differences } from '../../src/k8s/diff.js';
import type { StoredKv } from '../../src/k8s/summary.js';
import { storageValue } from '../harness/k8s-encode.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const configMap = (name: string, data: { [k: string]: Json }, time = '2026-01-02T03:04:05Z') =>
  storageValue({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name,
      namespace: 'ns',
      uid: `uid-${name}`,
      managedFields: [{ manager: 'kubectl', operation: 'Apply', apiVersion: 'v1', time, fieldsType: 'FieldsV1', fieldsV1: { 'f:data': {} } }],
    },
    data,
  });

// A side: its entries in key order, counting the values it hands out.
function side(kvs: [string, Buffer, bigint][]): { entries: AsyncIterable<DiffEntry[]>; loads: string[] } {
  const loads: string[] = [];
  const entries = kvs.map(([key, value, rev]): DiffEntry => {
    const kv: StoredKv = { key: Buffer.from(key), value, create_revision: 1n, mod_revision: rev, version: 1n };
    return {
      id: key,
      modRevision: rev,
      digest: () => createHash('sha1').update(value).digest('hex'),
      load: () => {
        loads.push(key);
        return kv;
      },
    };
  });
  return {
    entries: (async function* () {
      // In two batches, as a side's pages come.
      yield entries.slice(0, 2);
      yield entries.slice(2);
    })(),
    loads,
  };
}

async function diff(a: [string, Buffer, bigint][], b: [string, Buffer, bigint][], all = false) {
  const from = side(a);
  const to = side(b);
  const out: [string, string][] = [];
  for await (const d of differences(from.entries, to.entries, all)) out.push([d.change, d.summary.key]);
  return { out, loads: [...from.loads, ...to.loads] };
}

const K = (n: string) => `/registry/configmaps/ns/${n}`;

test('added, deleted and modified, in key order; unchanged versions are not read again', async () => {
  const same = configMap('same', { a: '1' });
  const { out, loads } = await diff(
    [
      [K('a-gone'), configMap('a-gone', { a: '1' }), 5n],
      [K('b-edit'), configMap('b-edit', { a: '1' }), 6n],
      [K('c-same'), same, 7n],
    ],
    [
      [K('b-edit'), configMap('b-edit', { a: '2' }), 9n],
      [K('c-same'), same, 7n],
      [K('d-new'), configMap('d-new', { a: '1' }), 10n],
    ],
  );
  assert.deepEqual(out, [
    ['deleted', K('a-gone')],
    ['modified', K('b-edit')],
    ['added', K('d-new')],
  ]);
  assert.ok(!loads.includes(K('c-same')), 'the same version is compared by revision and digest alone');
});

test('bookkeeping alone (resourceVersion, managedFields times) is no change, unless --all', async () => {
  const a: [string, Buffer, bigint][] = [[K('x'), configMap('x', { a: '1' }), 5n]];
  const b: [string, Buffer, bigint][] = [[K('x'), configMap('x', { a: '1' }, '2026-06-01T00:00:00Z'), 8n]];
  assert.deepEqual((await diff(a, b)).out, []);
  assert.deepEqual((await diff(a, b, true)).out, [['modified', K('x')]]);
  // The same bytes at another revision: its resourceVersion alone changed.
  assert.deepEqual((await diff(a, [[K('x'), a[0]![1], 9n]])).out, []);
  assert.deepEqual((await diff(a, [[K('x'), a[0]![1], 9n]], true)).out, [['modified', K('x')]]);
});

test('one revision with other bytes (two clusters) is read and compared; values that do not decode compare as bytes', async () => {
  const a: [string, Buffer, bigint][] = [
    [K('raw'), Buffer.from('not an object'), 6n],
    [K('raw-same'), Buffer.from('same'), 6n],
    [K('x'), configMap('x', { a: '1' }), 5n],
  ];
  const b: [string, Buffer, bigint][] = [
    [K('raw'), Buffer.from('still not an object'), 6n],
    [K('raw-same'), Buffer.from('same'), 7n],
    [K('x'), configMap('x', { a: 'other cluster' }), 5n],
  ];
  assert.deepEqual((await diff(a, b)).out, [
    ['modified', K('raw')],
    ['modified', K('x')],
  ]);
  assert.deepEqual((await diff(a, b, true)).out, [
    ['modified', K('raw')],
    ['modified', K('raw-same')],
    ['modified', K('x')],
  ]);
});
