// etcd 3.7's KV.RangeStream. `get --stream` is etcdctl 3.7's (its bytes on
// 3.7, grpc's refusal before). With ETCDCTL_TS_RANGE_STREAM=on a range read
// takes its first page as one request and, on 3.7, the rest as one stream
// at the pinned revision, which must print what etcdctl's single request
// prints; by default it reads page by page (the bench measured it faster).
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { errorLines, etcdctl, exec, heldBack, OURS, ours, type Result } from '../harness/cli.js';
import { cloneEtcd, startEtcd, type EtcdServer } from '../harness/etcd.js';
import { atLeast, server } from '../harness/servers.js';

let a: EtcdServer;
let b: EtcdServer;
const at = (s: EtcdServer) => `--endpoints=${s.endpoint}`;
const FORMATS = ['simple', 'json', 'fields', 'protobuf'];
const KEYS = 600;

// Chunks and messages the server sent on RangeStream calls that ended OK.
async function streamed(s: EtcdServer): Promise<{ calls: number; chunks: number }> {
  const text = await (await fetch(`http://${s.endpoint}/metrics`)).text();
  const read = (metric: string) => Number(new RegExp(`^${metric}\\{[^}]*grpc_method="RangeStream"[^}]*\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return {
    calls: Number(/^grpc_server_handled_total\{grpc_code="OK",grpc_method="RangeStream"[^}]*\} (\d+)/m.exec(text)?.[1] ?? 0),
    chunks: read('grpc_server_msg_sent_total'),
  };
}

before(async () => {
  const seed = await startEtcd();
  // Values of 1 to 4 kB, so the server's chunks grow and split the range.
  for (let t = 0; t < KEYS / 100; t++) {
    const ops = Array.from({ length: 100 }, (_, i) => `put s/${String(t * 100 + i).padStart(4, '0')} ${'v'.repeat(1000 + ((t * 100 + i) % 4) * 1000)}`);
    assert.equal((await etcdctl([at(seed), 'txn'], { stdin: `\n${ops.join('\n')}\n\n\n` })).code, 0);
  }
  await etcdctl([at(seed), 'put', 's/0007', 'second']);
  await etcdctl([at(seed), 'del', 's/0300', 's/0310']);
  await seed.stop();
  [a, b] = await Promise.all([cloneEtcd(seed), cloneEtcd(seed)]);
});

after(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
});

async function same(ref: Promise<Result>, got: Promise<Result>, label: string): Promise<void> {
  const [r, g] = await Promise.all([ref, got]);
  assert.equal(g.stdout.toString('latin1'), r.stdout.toString('latin1'), `stdout of: ${label}`);
  assert.deepEqual(errorLines(g.stderr), errorLines(r.stderr), `Error lines of: ${label}`);
  assert.equal(g.code, r.code, `exit code of: ${label}: ${g.stderr}`);
}

const RANGES = [
  ['s/', '--prefix'],
  ['s/', '--prefix', '--limit=100'],
  ['s/', '--prefix', `--limit=${KEYS - 11}`],
  ['s/', '--prefix', '--limit=5000'],
  ['s/', '--prefix', '--keys-only'],
  ['s/0100', 's/0500'],
  ['', '--from-key', '--consistency=s'],
  ['s/', '--prefix', '--rev=5'],
];

const ON = { env: { ETCDCTL_TS_RANGE_STREAM: 'on' } };

describe('ETCDCTL_TS_RANGE_STREAM=on: first page, then the rest as one stream on 3.7', () => {
  // Before 3.7 the stream is refused and the pages go on: one format shows it.
  const formats = atLeast('3.7') ? FORMATS : ['json'];
  const ranges = atLeast('3.7') ? RANGES : RANGES.slice(0, 3);
  for (const w of formats) {
    test(`prints what etcdctl's single request prints, -w ${w}${atLeast('3.7') ? '' : ' (one format before 3.7, where it reads page by page)'}`, async () => {
      const before = await streamed(b);
      for (const r of ranges) {
        const args = ['get', ...r, '-w', w];
        await same(etcdctl([at(a), ...args]), exec(OURS, [at(b), ...args], ON), args.join(' '));
      }
      const now = await streamed(b);
      // Each range is longer than one first page: on 3.7 all but the rest-less read streamed.
      if (atLeast('3.7')) {
        assert.equal(now.calls - before.calls, ranges.length, 'RangeStream calls');
        assert.ok(now.chunks - before.chunks > 3 * ranges.length, `chunks: ${now.chunks - before.chunks}`);
      } else assert.equal(now.calls, 0);
    });
  }

  test('by default, and with =off, a range is read page by page; another value is refused', async () => {
    const before = await streamed(b);
    const args = ['get', 's/', '--prefix', '-w', 'json'];
    await same(etcdctl([at(a), ...args]), ours([at(b), ...args]), 'default');
    await same(etcdctl([at(a), ...args]), exec(OURS, [at(b), ...args], { env: { ETCDCTL_TS_RANGE_STREAM: 'off' } }), 'off');
    assert.deepEqual(await streamed(b), before);
    const bad = await exec(OURS, [at(b), ...args], { env: { ETCDCTL_TS_RANGE_STREAM: 'yes' } });
    assert.equal(bad.stderr, 'Error: ETCDCTL_TS_RANGE_STREAM must be "on" or "off", got "yes"\n');
    assert.equal(bad.code, 128);
    assert.equal(bad.stdout.length, 0);
  });

  test('writes made while the stream is held back are not seen: the output is the range at its revision', async () => {
    const srv = await cloneEtcd(a);
    try {
      const got = await heldBack([at(srv), 'get', 's/', '--prefix', '-w', 'json'], ON.env, async () => {
        for (let i = 0; i < KEYS; i += 37) await etcdctl([at(srv), 'put', `s/${String(i).padStart(4, '0')}`, 'changed']);
        await etcdctl([at(srv), 'del', 's/05', '--prefix']);
      });
      assert.equal(got.code, 0, got.stderr);
      const mine = JSON.parse(got.stdout.toString()) as { header: { revision: number }; kvs: unknown[]; count: number };
      const then = JSON.parse((await etcdctl([at(srv), 'get', 's/', '--prefix', '-w', 'json', `--rev=${mine.header.revision}`])).stdout.toString()) as {
        kvs: unknown[];
        count: number;
      };
      assert.equal(mine.kvs.length, KEYS - 10);
      assert.deepEqual(mine.kvs, then.kvs);
      const now = JSON.parse((await etcdctl([at(srv), 'get', 's/', '--prefix', '-w', 'json'])).stdout.toString()) as {
        header: { revision: number };
        count: number;
      };
      assert.ok(now.header.revision > mine.header.revision + 10);
      assert.notEqual(now.count, mine.count);
    } finally {
      await srv.stop();
    }
  });
});

describe('get --stream, as etcdctl 3.7 has it', () => {
  if (!atLeast('3.7')) {
    test(`refused by a ${server().minor} server with grpc's words, nothing printed`, async () => {
      for (const w of FORMATS) {
        const got = await ours([at(b), 'get', 's/', '--prefix', '--stream', '-w', w]);
        assert.equal(got.stderr, 'Error: rpc error: code = Unimplemented desc = unknown method RangeStream for service etcdserverpb.KV\n');
        assert.equal(got.code, 1);
        assert.equal(got.stdout.length, 0);
      }
    });
    return;
  }
  const ctl = (args: string[]) => exec(server().etcdctl, args);
  for (const w of FORMATS) {
    test(`the bytes of etcdctl ${server().version}, -w ${w}`, async () => {
      for (const r of [...RANGES, ['s/0007'], ['nothing'], ['s/', '--prefix', '--count-only']]) {
        if (r.includes('--count-only') && w !== 'fields') continue;
        const args = ['get', ...r, '--stream', '-w', w];
        await same(ctl([at(a), ...args]), ours([at(b), ...args]), args.join(' '));
      }
    });
  }
  test('what the server refuses: sort orders other than by key, revision filters', async () => {
    for (const r of [['--order=DESCEND'], ['--sort-by=MODIFY', '--order=ASCEND'], ['--min-mod-rev=5'], ['--max-create-rev=9']]) {
      const args = ['get', 's/', '--prefix', '--stream', ...r];
      await same(ctl([at(a), ...args]), ours([at(b), ...args]), args.join(' '));
    }
  });
});

// A loopback TCP proxy to `target` that cuts each connection once `cut`
// bytes have come back from the server: a member lost mid-stream, at a
// point that does not depend on timing.
async function cuttingProxy(target: EtcdServer, cut: number): Promise<{ endpoint: string; cuts: () => number; close: () => void }> {
  const [host, port] = target.endpoint.split(':') as [string, string];
  let cuts = 0;
  const server = net.createServer((down) => {
    const up = net.connect(Number(port), host);
    let sent = 0;
    const end = () => {
      up.destroy();
      down.destroy();
    };
    up.on('error', end);
    down.on('error', end);
    down.on('data', (d: Buffer) => up.write(d));
    up.on('data', (d: Buffer) => {
      if (sent + d.length >= cut) {
        down.write(d.subarray(0, cut - sent));
        cuts++;
        end();
        return;
      }
      sent += d.length;
      down.write(d);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { endpoint: `127.0.0.1:${(server.address() as net.AddressInfo).port}`, cuts: () => cuts, close: () => server.close() };
}

describe(`a stream at a pinned revision cut mid-way goes on after its last key on the next endpoint${atLeast('3.7') ? '' : ' (3.7 only: the first to have RangeStream)'}`, {
  skip: !atLeast('3.7') && 'RangeStream is new in 3.7',
}, () => {
  for (const [label, extra, env] of [
    ['get --stream --rev', ['--stream', '--rev=7'], {}],
    ['ETCDCTL_TS_RANGE_STREAM=on', ['--rev=7'], ON.env],
    ['ETCDCTL_TS_RANGE_STREAM=on with --limit', ['--rev=7', '--limit=450'], ON.env],
  ] as const) {
    test(label, async () => {
      const proxy = await cuttingProxy(b, 400_000);
      try {
        for (const w of ['simple', 'json']) {
          const args = ['get', 's/', '--prefix', ...extra, '-w', w];
          const before = await streamed(b);
          const [ref, got] = await Promise.all([
            etcdctl([at(a), ...args.filter((x) => x !== '--stream')]),
            exec(OURS, [`--endpoints=${proxy.endpoint},${b.endpoint}`, ...args], { env }),
          ]);
          assert.equal(got.code, 0, got.stderr);
          assert.equal(got.stdout.toString('latin1'), ref.stdout.toString('latin1'), args.join(' '));
          // The cut stream and the one that finished it.
          assert.ok((await streamed(b)).chunks > before.chunks);
        }
        assert.equal(proxy.cuts(), 2);
      } finally {
        proxy.close();
      }
    });
  }
});
