// get over a range reads it page by page at one revision. Small pages
// (--page-size) on twin servers must print the same bytes as etcdctl's
// single request; writes and a compaction during a read are made to fall
// between its pages by holding back its output.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { errorLines, etcdctl, heldBack, ours, type Result } from '../harness/cli.js';
import { cloneEtcd, startEtcd, type EtcdServer } from '../harness/etcd.js';
import { EDGES_ONLY, onEdge } from '../harness/servers.js';
import { EtcdClient } from '../../src/client/etcd.js';
import { PagedRange } from '../../src/client/paged.js';

let a: EtcdServer;
let b: EtcdServer;
const at = (s: EtcdServer) => `--endpoints=${s.endpoint}`;
const FORMATS = ['simple', 'json', 'fields', 'protobuf'];

// Through the JSON gateway: keys and values with any bytes.
async function put(s: EtcdServer, key: Buffer, value: Buffer): Promise<void> {
  const r = await fetch(`http://${s.endpoint}/v3/kv/put`, {
    method: 'POST',
    body: JSON.stringify({ key: key.toString('base64'), value: value.toString('base64') }),
  });
  assert.equal(r.status, 200, await r.text());
}

async function revision(s: EtcdServer): Promise<bigint> {
  return BigInt(/"revision":(\d+)/.exec((await etcdctl([at(s), 'get', 'x', '-w', 'json'])).stdout.toString())![1]!);
}

// Keys whose bytes sort around page edges: "\0" and "\xff" suffixes.
const EDGE_KEYS = [
  Buffer.from('p/'),
  Buffer.from('p/\0'),
  Buffer.from('p/\0\0'),
  Buffer.from('p/a'),
  Buffer.from('p/a\0'),
  Buffer.from('p/a\0b'),
  Buffer.from([0x70, 0x2f, 0x61, 0xff]),
  Buffer.from([0x70, 0x2f, 0xff]),
  Buffer.from([0x70, 0x2f, 0xff, 0x00]),
  Buffer.from([0x70, 0x2f, 0xff, 0xff]),
];

before(async () => {
  const seed = await startEtcd();
  for (let i = 0; i < 20; i++) await put(seed, Buffer.from(`p/k${String(i).padStart(2, '0')}`), Buffer.from(`value ${i} ${'x'.repeat(i * 7)}`));
  for (const k of EDGE_KEYS) await put(seed, k, Buffer.from([0xff, 0x00, k.length]));
  // History: overwritten, deleted and re-created keys.
  await put(seed, Buffer.from('p/k03'), Buffer.from('second'));
  await etcdctl([at(seed), 'del', 'p/k04']);
  await put(seed, Buffer.from('p/k04'), Buffer.from('again'));
  await put(seed, Buffer.from('\0'), Buffer.from('lowest'));
  await put(seed, Buffer.from([0xff, 0xff]), Buffer.from('highest'));
  await seed.stop();
  [a, b] = await Promise.all([cloneEtcd(seed), cloneEtcd(seed)]);
});

after(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
});

async function same(args: string[], page: number): Promise<Result> {
  const [ref, got] = await Promise.all([etcdctl([at(a), ...args]), ours([at(b), ...args, `--page-size=${page}`])]);
  const label = `${args.join(' ')} --page-size=${page}`;
  assert.equal(got.stdout.toString('latin1'), ref.stdout.toString('latin1'), `stdout of: ${label}`);
  assert.deepEqual(errorLines(got.stderr), errorLines(ref.stderr), `Error lines of: ${label}`);
  assert.equal(got.code, ref.code, `exit code of: ${label}: ${got.stderr}`);
  return got;
}

describe(`many small pages print what one request prints${onEdge() ? '' : ` (${EDGES_ONLY})`}`, { skip: !onEdge() && EDGES_ONLY }, () => {
  const ranges = [
    ['p/', '--prefix'],
    ['', '--from-key'],
    ['p/a', 'p/k10'],
    ['p/', '--prefix', '--order=DESCEND'],
    ['', '--prefix', '--order=descend'],
  ];
  for (const w of FORMATS) {
    for (const range of ranges) {
      test(`get ${range.join(' ')} -w ${w}`, async () => {
        // Page edges are the pager's, whatever the format: two sizes for one.
        for (const page of w === 'simple' ? [1, 3] : [3]) {
          await same(['get', ...range, '-w', w], page);
          // --limit below, at and above a page boundary, and past the end.
          for (const limit of [2, 3, 4, 6, 40]) await same(['get', ...range, `--limit=${limit}`, '-w', w], page);
          await same(['get', ...range, '--keys-only', '-w', w], page);
          await same(['get', ...range, '--rev=12', '--limit=5', '-w', w], page);
        }
      });
    }
  }
  test('--hex, --print-value-only, --consistency=s', async () => {
    for (const page of [1, 2]) {
      await same(['get', 'p/', '--prefix', '--hex'], page);
      await same(['get', 'p/', '--prefix', '--print-value-only', '--limit=5'], page);
      await same(['get', 'p/', '--prefix', '--consistency=s', '-w', 'json'], page);
      await same(['get', 'p/', '--prefix', '--print-value-only', '-w', 'json'], page);
    }
  });
  test('an empty range, a compacted or future --rev, a refused format: as etcdctl', async () => {
    await same(['get', 'nothing/', '--prefix', '-w', 'json'], 1);
    await same(['get', 'nothing/', '--prefix', '-w', 'fields'], 1);
    await same(['get', 'p/', '--prefix', '--rev=1000'], 2);
    await same(['get', 'p/', '--prefix', '-w', 'table'], 2);
  });
});

// The server's own pruning (one request through the JSON gateway) against
// pages pruned by etcdctl-ts (these flags are etcdctl 3.6's: no reference here).
describe('revision filters across pages', () => {
  const gateway = async (body: object) => {
    const r = (await (await fetch(`http://${a.endpoint}/v3/kv/range`, { method: 'POST', body: JSON.stringify(body) })).json()) as {
      kvs?: { key: string }[];
      more?: boolean;
      count?: string;
    };
    return { keys: (r.kvs ?? []).map((kv) => kv.key), more: r.more ?? false, count: r.count };
  };
  const cases: [string[], object][] = [
    [['--min-mod-rev=5', '--max-mod-rev=14'], { min_mod_revision: 5, max_mod_revision: 14 }],
    [['--min-mod-rev=5', '--limit=3'], { min_mod_revision: 5, limit: 3 }],
    [['--min-mod-rev=30', '--limit=1'], { min_mod_revision: 30, limit: 1 }],
    [['--max-mod-rev=3', '--limit=1'], { max_mod_revision: 3, limit: 1 }],
    [
      ['--min-create-rev=3', '--max-create-rev=9', '--order=DESCEND', '--limit=2'],
      { min_create_revision: 3, max_create_revision: 9, sort_order: 'DESCEND', limit: 2 },
    ],
  ];
  for (const [flags, body] of cases) {
    test(flags.join(' '), async () => {
      const want = await gateway({ key: Buffer.from('p/').toString('base64'), range_end: Buffer.from('p0').toString('base64'), ...body });
      for (const page of [1, 2, 0]) {
        const got = await ours([at(b), 'get', 'p/', '--prefix', ...flags, '-w', 'json', `--page-size=${page}`]);
        const j = JSON.parse(got.stdout.toString()) as { kvs?: { key: string }[]; more?: boolean; count?: number };
        assert.deepEqual({ keys: (j.kvs ?? []).map((kv) => kv.key), more: j.more ?? false, count: String(j.count) }, want, `--page-size=${page}`);
      }
    });
  }
});

describe('one revision for the whole read', () => {
  // 2,000 keys of 1 kB: megabytes of output, far more than a pipe holds.
  const fill = async (s: EtcdServer, prefix: string) => {
    for (let t = 0; t < 16; t++) {
      const ops = Array.from({ length: 125 }, (_, i) => `put ${prefix}${String(t * 125 + i).padStart(4, '0')} ${'v'.repeat(1000)}`);
      assert.equal((await etcdctl([at(s), 'txn'], { stdin: `\n${ops.join('\n')}\n\n\n` })).code, 0);
    }
  };

  test('writes under the prefix between pages: the output is the range at the revision it reports', async () => {
    const srv = await startEtcd();
    try {
      await fill(srv, 'w/');
      const got = await heldBack([at(srv), 'get', 'w/', '--prefix', '-w', 'json', '--page-size=50'], {}, async () => {
        for (let i = 0; i < 2000; i += 97) await etcdctl([at(srv), 'put', `w/${String(i).padStart(4, '0')}`, 'changed']);
        await etcdctl([at(srv), 'del', 'w/1', '--prefix']);
        await etcdctl([at(srv), 'put', 'w/new', 'added']);
      });
      assert.equal(got.code, 0, got.stderr);
      const mine = JSON.parse(got.stdout.toString()) as { header: { revision: number }; kvs: unknown[]; count: number };
      const r = mine.header.revision;
      const then = JSON.parse((await etcdctl([at(srv), 'get', 'w/', '--prefix', '-w', 'json', `--rev=${r}`])).stdout.toString()) as {
        kvs: unknown[];
        count: number;
      };
      assert.equal(mine.kvs.length, 2000);
      assert.deepEqual(mine.kvs, then.kvs);
      assert.equal(mine.count, then.count);
      // The writes did land after the pinned revision, inside the range.
      const now = JSON.parse((await etcdctl([at(srv), 'get', 'w/', '--prefix', '-w', 'json'])).stdout.toString()) as {
        header: { revision: number };
        count: number;
      };
      assert.ok(now.header.revision > r + 20);
      assert.notEqual(now.count, mine.count);
    } finally {
      await srv.stop();
    }
  });

  test("a compaction past the pinned revision mid-read: etcd's error, a line saying what happened, nothing after", async () => {
    const srv = await startEtcd();
    try {
      await fill(srv, 'c/');
      const r = await revision(srv);
      const whole = (await etcdctl([at(srv), 'get', 'c/', '--prefix', `--rev=${r}`])).stdout;
      const got = await heldBack([at(srv), 'get', 'c/', '--prefix', '--page-size=50'], {}, async () => {
        await etcdctl([at(srv), 'put', 'c/0000', 'newer']);
        const c = await etcdctl([at(srv), 'compaction', '--physical', String(r + 1n)]);
        assert.equal(c.code, 0, c.stderr);
      });
      assert.equal(got.code, 1);
      assert.deepEqual(errorLines(got.stderr), ['Error: etcdserver: mvcc: required revision has been compacted']);
      assert.match(
        got.stderr,
        new RegExp(
          `^etcdctl-ts: the cluster compacted past revision ${r} while this read was under way .*run it again, or read a newer revision with --rev$`,
          'm',
        ),
      );
      // What came out is whole key/value pairs of the range at r, then nothing.
      assert.ok(got.stdout.length > 0 && got.stdout.length < whole.length);
      assert.ok(whole.subarray(0, got.stdout.length).equals(got.stdout));
      assert.equal(got.stdout.toString().split('\n').length % 2, 1);
    } finally {
      await srv.stop();
    }
  });

  test("values near the server's request size limit page by bytes", async () => {
    const srv = await startEtcd();
    try {
      for (let i = 0; i < 6; i++) assert.equal((await etcdctl([at(srv), 'put', `big/${i}`], { stdin: Buffer.alloc(1400 * 1024, 97 + i) })).code, 0);
      const [ref, got] = await Promise.all([etcdctl([at(srv), 'get', 'big/', '--prefix']), ours([at(srv), 'get', 'big/', '--prefix'])]);
      assert.equal(got.code, 0, got.stderr);
      assert.ok(got.stdout.equals(ref.stdout));
      assert.ok(got.stdout.length > 6 * 1400 * 1024);
    } finally {
      await srv.stop();
    }
  });
});

// Each page after the first ends where the keys before it suggest, so the
// server counts (walks) about a page's keys for it rather than the rest of
// the range. A page's count is exactly the keys of the range it asked for.
describe('page ends guessed from the keys', () => {
  let srv: EtcdServer;
  let total = 0;
  before(async () => {
    srv = await startEtcd();
    let seed = 11;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    const all: Buffer[] = [];
    for (let i = 0; i < 3000; i++) all.push(Buffer.from(`n/${String(i * 7).padStart(6, '0')}`));
    for (let i = 0; i < 2000; i++) all.push(Buffer.from(`/registry/pods/ns-${i % 20}/web-${rand().toString(36)}`));
    for (let i = 0; i < 1000; i++) all.push(Buffer.from([0x62, 0x2f, rand() >> 23, rand() >> 23, rand() >> 23]));
    const keys = [...new Map(all.map((k) => [k.toString('latin1'), k])).values()];
    total = keys.length;
    for (let i = 0; i < keys.length; i += 100) {
      const success = keys.slice(i, i + 100).map((k) => ({ request_put: { key: k.toString('base64'), value: Buffer.from(`v${i}`).toString('base64') } }));
      const r = await fetch(`http://${srv.endpoint}/v3/kv/txn`, { method: 'POST', body: JSON.stringify({ success }) });
      assert.equal(r.status, 200, await r.text());
    }
  });
  after(async () => {
    await srv?.stop();
  });

  test('digits, names and random bytes print what one request prints', async () => {
    for (const args of [
      ['', '--from-key'],
      ['/registry/', '--prefix'],
      ['n/', '--prefix', '-w', 'json', '--limit=2345'],
      ['b/', '--prefix', '--keys-only'],
    ]) {
      for (const page of [7, 100, 1000]) {
        const [ref, got] = await Promise.all([etcdctl([at(srv), 'get', ...args]), ours([at(srv), 'get', ...args, `--page-size=${page}`])]);
        assert.equal(got.code, 0, got.stderr);
        assert.ok(got.stdout.equals(ref.stdout), `get ${args.join(' ')} --page-size=${page}`);
      }
    }
  });

  test('the server walks a few pages of keys for each page, not the rest of the range', async () => {
    const client = await EtcdClient.create({
      endpoints: [srv.endpoint],
      dialTimeoutMs: 5000,
      tlsByDefault: false,
      tls: { insecureSkipVerify: false },
      maxRequestBytes: 0,
      maxRecvBytes: 0,
    });
    try {
      for (const [key, end, keys] of [
        ['n/', 'n0', 3000],
        ['\0', '\0', total],
      ] as const) {
        const walked: bigint[] = [];
        const range = client.range.bind(client);
        client.range = async (r, o) => {
          const res = await range(r, o);
          walked.push(res.count);
          return res;
        };
        let read = 0;
        for await (const kvs of new PagedRange(client, { key: Buffer.from(key), range_end: Buffer.from(end) }, { pageSize: 100 }).pages()) read += kvs.length;
        assert.equal(read, keys);
        // Pages asked for up to the range's end would walk keys² / 200. Keys
        // of one shape are guessed well (about two pages a page); where
        // namespaces hold one page each, every other page is asked for up
        // to the end.
        const after = walked.slice(1).reduce((x, y) => x + Number(y), 0);
        assert.ok(after <= (key === 'n/' ? keys * 4 : (keys * keys) / 200 / 1.5), `${after} keys walked for ${keys} keys in ${walked.length} pages`);
      }
    } finally {
      client.close();
    }
  });
});

describe('-w jsonl', () => {
  test('one object a key; UTF-8 as strings, other bytes as base64; the same data as -w json', async () => {
    const got = await ours([at(b), 'get', '', '--from-key', '-w', 'jsonl', '--page-size=2']);
    assert.equal(got.code, 0, got.stderr);
    const lines = got.stdout
      .toString()
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const ref = JSON.parse((await etcdctl([at(a), 'get', '', '--from-key', '-w', 'json'])).stdout.toString()) as { kvs: Record<string, unknown>[] };
    assert.equal(lines.length, ref.kvs.length);
    lines.forEach((l, i) => {
      const r = ref.kvs[i]!;
      const bytes = (name: string) =>
        typeof l[name] === 'string' ? Buffer.from(l[name] as string, 'utf8') : Buffer.from(l[`${name}_base64`] as string, 'base64');
      assert.deepEqual(bytes('key'), Buffer.from(r.key as string, 'base64'));
      assert.deepEqual(bytes('value'), Buffer.from((r.value as string | undefined) ?? '', 'base64'));
      for (const f of ['create_revision', 'mod_revision', 'version']) assert.equal(l[f], r[f]);
      assert.equal(l.lease, String(r.lease ?? 0));
    });
    // Binary keys and values are base64, text ones strings.
    assert.ok(lines.some((l) => 'key_base64' in l && 'value_base64' in l));
    assert.ok(lines.some((l) => typeof l.key === 'string' && typeof l.value === 'string'));
  });

  test('refused before any request by commands that do not write it', async () => {
    const r = await ours([at(b), 'put', 'jsonl-key', 'v', '-w', 'jsonl']);
    assert.equal(r.code, 4);
    assert.deepEqual(errorLines(r.stderr), ['Error: jsonl not supported as output format (get and watch write it)']);
    assert.equal((await etcdctl([at(b), 'get', 'jsonl-key'])).stdout.toString(), '');
  });
});
