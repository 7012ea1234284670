// Keys are bytes: every byte value but NUL (which no argument can hold) in
// arguments, in txn and watch lines on stdin, in ranges and lock names,
// stored as etcdctl stores them. Node turns arguments that are not UTF-8
// into U+FFFD; etcdctl-ts must not, or it writes, reads and deletes the
// wrong keys.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { spawn } from 'node:child_process';
import { ETCDCTL, etcdctl, execRaw, OURS, rawCommand } from '../harness/cli.js';
import { useEtcd } from '../harness/etcd.js';

const srv = useEtcd();
const ep = () => `--endpoints=${srv().endpoint}`;
const b = (...parts: (string | number[] | Buffer)[]) =>
  Buffer.concat(parts.map((p) => (Buffer.isBuffer(p) ? p : typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

// The keys under a prefix, as etcd holds them (base64 in etcdctl's JSON).
async function stored(prefix: string): Promise<Buffer[]> {
  const r = await etcdctl([ep(), 'get', prefix, '--prefix', '--keys-only', '-w', 'json']);
  return ((JSON.parse(r.stdout.toString()) as { kvs?: { key: string }[] }).kvs ?? []).map((kv) => Buffer.from(kv.key, 'base64'));
}

// Sequences that are not UTF-8 in the ways a decoder can go wrong: lone
// continuation and lead bytes, overlong forms, encoded surrogates, past
// U+10FFFF, cut short; and U+FFFD itself, which is valid.
const TRICKY = [
  [0xfa, 0xfb],
  [0xff, 0xfe],
  [0x80],
  [0xc0, 0x80],
  [0xed, 0xa0, 0x80],
  [0xed, 0xb2, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xe2, 0x82],
  [0xef, 0xbf, 0xbd],
  [0xc3, 0xa9, 0xff],
];

describe('keys are bytes', () => {
  test('put with every byte value 1..255 in one key, and with each tricky sequence, stores those bytes', async () => {
    const all = b(
      '/all/',
      Array.from({ length: 255 }, (_, i) => i + 1),
    );
    const r = await execRaw(OURS, [ep(), 'put', all, 'v']);
    assert.equal(r.stdout.toString(), 'OK\n', r.stderr);
    assert.deepEqual(await stored('/all/'), [all]);
    for (const seq of TRICKY) {
      const put = await execRaw(OURS, [ep(), 'put', b('/t/', seq, 'x'), b(seq)]);
      assert.equal(put.code, 0, put.stderr);
    }
    const want = TRICKY.map((seq) => b('/t/', seq, 'x')).sort(Buffer.compare);
    assert.deepEqual(await stored('/t/'), want);
    // The value is bytes too: what etcdctl reads back.
    const v = await execRaw(ETCDCTL, [ep(), 'get', b('/t/', [0xff, 0xfe], 'x'), '--print-value-only']);
    assert.deepEqual(v.stdout, b([0xff, 0xfe], '\n'));
  });

  test('get and del address the key given, not another whose bytes Node would have turned into the same text', async () => {
    const [a, c] = [b('/c/', [0xfa, 0xfb]), b('/c/', [0xff, 0xfe])];
    assert.equal((await execRaw(ETCDCTL, [ep(), 'put', a, 'A'])).code, 0);
    assert.equal((await execRaw(ETCDCTL, [ep(), 'put', c, 'C'])).code, 0);
    for (const [key, value] of [
      [a, 'A'],
      [c, 'C'],
    ] as const) {
      const [ref, got] = await Promise.all([execRaw(ETCDCTL, [ep(), 'get', key]), execRaw(OURS, [ep(), 'get', key])]);
      assert.deepEqual(got.stdout, ref.stdout);
      assert.deepEqual(got.stdout, b(key, '\n', value, '\n'));
    }
    // A range end and a prefix of raw bytes.
    const [ref, got] = await Promise.all([
      execRaw(ETCDCTL, [ep(), 'get', b('/c/', [0xfa]), b('/c/', [0xff]), '--keys-only']),
      execRaw(OURS, [ep(), 'get', b('/c/', [0xfa]), b('/c/', [0xff]), '--keys-only']),
    ]);
    assert.deepEqual(got.stdout, ref.stdout);
    const del = await execRaw(OURS, [ep(), 'del', c]);
    assert.equal(del.stdout.toString(), '1\n', del.stderr);
    assert.deepEqual(await stored('/c/'), [a]);
    const pre = await execRaw(OURS, [ep(), 'del', b('/c/', [0xfa]), '--prefix']);
    assert.equal(pre.stdout.toString(), '1\n');
  });

  test('txn lines on stdin are read as bytes, as etcdctl reads them', async () => {
    // Bare words: no space, tab, quote or backslash among the bytes.
    const bytes = Array.from({ length: 255 }, (_, i) => i + 1).filter((x) => ![0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x22, 0x27, 0x5c].includes(x));
    const stdin = (prefix: string) => b('\nput ', prefix, bytes, ' ', [0xfe, 0xff], '\n\n\n');
    const [ref, got] = await Promise.all([
      etcdctl([ep(), 'txn'], { stdin: stdin('/txn-etcdctl/') }),
      execRaw(OURS, [ep(), 'txn'], { stdin: stdin('/txn-ours/') }),
    ]);
    assert.equal(got.stdout.toString(), ref.stdout.toString(), got.stderr);
    const [r, g] = [await stored('/txn-etcdctl/'), await stored('/txn-ours/')];
    assert.deepEqual(
      g.map((k) => k.subarray('/txn-ours/'.length)),
      r.map((k) => k.subarray('/txn-etcdctl/'.length)),
    );
    assert.deepEqual(g, [b('/txn-ours/', bytes)]);
  });

  test('watch sees events of a raw key, from an argument and from watch -i', async () => {
    const key = b('/wk/', [0xff]);
    for (const interactive of [false, true]) {
      const args = interactive ? [ep(), 'watch', '-i'] : [ep(), 'watch', key];
      const child = spawn('sh', rawCommand(OURS, args), { stdio: ['pipe', 'pipe', 'pipe'] });
      if (interactive) child.stdin.write(b('watch ', key, '\n'));
      let out = Buffer.alloc(0);
      child.stdout.on('data', (d: Buffer) => (out = Buffer.concat([out, d])));
      try {
        // Written until the watch, which may still be starting, reports one.
        for (let i = 0; !out.includes(b('PUT\n', key, '\nv')); i++) {
          assert.ok(i < 100, `${interactive ? '-i' : 'argument'}: no event in ${JSON.stringify(out.toString('latin1'))}`);
          assert.equal((await execRaw(ETCDCTL, [ep(), 'put', key, `v${i}`])).code, 0);
          await new Promise((res) => setTimeout(res, 100));
        }
        assert.deepEqual(await stored('/wk/'), [key]);
      } finally {
        child.kill('SIGINT');
      }
    }
  });

  test("a lock name of raw bytes holds a key under those bytes, as etcdctl's does", async () => {
    const name = b('/lk', [0xff, 0xfe]);
    for (const bin of [OURS, ETCDCTL]) {
      const child = spawn('sh', rawCommand(bin, [ep(), 'lock', name]), { stdio: ['ignore', 'pipe', 'pipe'] });
      try {
        await new Promise((res) => child.stdout.once('data', res));
        const keys = await stored('/lk');
        assert.equal(keys.length, 1, bin);
        assert.ok(keys[0]!.subarray(0, name.length + 1).equals(b(name, '/')), `${bin}: ${keys[0]!.toString('latin1')}`);
      } finally {
        child.kill('SIGINT');
        await new Promise((res) => child.once('exit', res));
      }
      // Released: the key is gone.
      for (let i = 0; i < 100 && (await stored('/lk')).length > 0; i++) await new Promise((res) => setTimeout(res, 50));
      assert.deepEqual(await stored('/lk'), []);
    }
  });
});
