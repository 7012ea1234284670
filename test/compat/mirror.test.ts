// make-mirror between two real servers: the initial copy (more keys than
// one page), then puts, deletes and multi-key transactions as they happen,
// prefix renaming, a destination with authentication, and etcdctl's errors.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { errorLines, etcdctl, OURS, ours } from '../harness/cli.js';
import { startEtcd, type EtcdServer } from '../harness/etcd.js';
import { makePki } from '../harness/pki.js';
import { start, type Running } from '../harness/proc.js';
import { EDGES_ONLY, onEdge, server, SERVERS } from '../harness/servers.js';

let src: EtcdServer;
let dst: EtcdServer;
const at = (s: EtcdServer) => `--endpoints=${s.endpoint}`;

// 1,536 keys in twelve transactions (the server's limit is 128 operations each).
async function fill(prefix: string): Promise<void> {
  for (let t = 0; t < 12; t++) {
    const ops = Array.from({ length: 128 }, (_, i) => `put ${prefix}${String(t * 128 + i).padStart(4, '0')} v${t * 128 + i}`);
    const r = await etcdctl([at(src), 'txn'], { stdin: `\n${ops.join('\n')}\n\n\n` });
    assert.equal(r.code, 0, r.stderr);
  }
}

const dump = async (s: EtcdServer, prefix: string) => (await etcdctl([at(s), 'get', prefix, '--prefix'])).stdout.toString();

// Resolves once `key` exists on the server: the mirror's progress, polled.
async function arrived(s: EtcdServer, key: string, mirror: Running, login: string[] = []): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if ((await etcdctl([at(s), ...login, 'get', key, '--keys-only'])).stdout.toString() === `${key}\n\n`) return;
    if (mirror.child.exitCode !== null) assert.fail(`make-mirror exited: ${mirror.err()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`${key} never arrived: ${mirror.err()}`);
}

before(async () => {
  [src, dst] = await Promise.all([startEtcd(), startEtcd()]);
});

after(async () => {
  await Promise.all([src?.stop(), dst?.stop()]);
});

describe('make-mirror', () => {
  test('copies a prefix under another one, then follows puts, deletes and transactions', async () => {
    await fill('/a/');
    await etcdctl([at(src), 'put', '/z/not-mirrored', 'x']);
    const mirror = start(OURS, [at(src), 'make-mirror', '--prefix=/a/', '--dest-prefix=/b/', dst.endpoint]);
    try {
      await arrived(dst, '/b/1535', mirror);
      await etcdctl([at(src), 'put', '/a/new', 'fresh']);
      await etcdctl([at(src), 'del', '/a/0001']);
      await etcdctl([at(src), 'txn'], { stdin: '\nput /a/t1 one\nput /a/t2 two\ndel /a/0002\n\n\n' });
      await etcdctl([at(src), 'put', '/z/after', 'x']);
      await etcdctl([at(src), 'put', '/a/sentinel', 'end']);
      await arrived(dst, '/b/sentinel', mirror);
      const want = (await dump(src, '/a/')).replace(/^\/a\//gm, '/b/');
      assert.equal(await dump(dst, '/b/'), want);
      assert.equal(want.split('\n').length, 2 * (1536 - 2 + 4) + 1);
      assert.equal(await dump(dst, '/z/'), '');
      assert.equal(await dump(dst, '/a/'), '');
    } finally {
      assert.equal(await mirror.stop(), 130);
    }
  });

  test("between etcd 3.4 and 3.5: this run's server to one of the other version", async () => {
    const other = server().minor === '3.4' ? SERVERS['3.5'] : SERVERS['3.4'];
    const far = await startEtcd([], undefined, other);
    try {
      const version = async (s: EtcdServer) =>
        JSON.parse((await etcdctl([at(s), 'endpoint', 'status', '-w', 'json'])).stdout.toString())[0].Status.version as string;
      assert.deepEqual([await version(src), await version(far)], [server().version, other.version]);
      await fill('/x/');
      const mirror = start(OURS, [at(src), 'make-mirror', '--prefix=/x/', far.endpoint]);
      try {
        await arrived(far, '/x/1535', mirror);
        await etcdctl([at(src), 'del', '/x/0007']);
        await etcdctl([at(src), 'txn'], { stdin: '\nput /x/t1 one\ndel /x/0008\n\n\n' });
        await etcdctl([at(src), 'put', '/x/sentinel', 'end']);
        await arrived(far, '/x/sentinel', mirror);
        assert.equal(await dump(far, '/x/'), await dump(src, '/x/'));
      } finally {
        assert.equal(await mirror.stop(), 130);
      }
    } finally {
      await far.stop();
    }
  });

  test('--rev N copies nothing first and replays the changes from revision N on (etcdctl 3.6)', async () => {
    const rev = async (r: Promise<{ stdout: Buffer }>) => BigInt(/"revision":(\d+)/.exec((await r).stdout.toString())![1]!);
    await etcdctl([at(src), 'put', '/r/before', 'x']);
    const from = await rev(etcdctl([at(src), 'put', '/r/first', '1', '-w', 'json']));
    await etcdctl([at(src), 'put', '/r/second', '2']);
    await etcdctl([at(src), 'del', '/r/before']);
    await etcdctl([at(src), 'put', '/r/before', 'again']);
    const mirror = start(OURS, [at(src), 'make-mirror', '--prefix=/r/', `--rev=${from}`, dst.endpoint]);
    try {
      await arrived(dst, '/r/before', mirror);
      await etcdctl([at(src), 'put', '/r/sentinel', 'end']);
      await arrived(dst, '/r/sentinel', mirror);
      assert.equal(await dump(dst, '/r/'), await dump(src, '/r/'));
    } finally {
      assert.equal(await mirror.stop(), 130);
    }
    // The first put was replayed as an event, not copied: with --rev one
    // past it, the destination never sees it written again.
    await etcdctl([at(dst), 'del', '/r/', '--prefix']);
    const later = start(OURS, [at(src), 'make-mirror', '--prefix=/r/', `--rev=${from + 1n}`, dst.endpoint]);
    try {
      await arrived(dst, '/r/sentinel', later);
      assert.equal(await dump(dst, '/r/first'), '');
    } finally {
      await later.stop();
    }
  });

  test('--max-txn-ops splits a source transaction on the destination (etcdctl 3.6; 128 by default)', async () => {
    const revision = async (s: EtcdServer) => BigInt(/"revision":(\d+)/.exec((await etcdctl([at(s), 'get', 'x', '-w', 'json'])).stdout.toString())![1]!);
    for (const [max, txns] of [
      [2, 3],
      [128, 1],
    ] as const) {
      const p = `/t${max}/`;
      const mirror = start(OURS, [at(src), 'make-mirror', `--prefix=${p}`, `--max-txn-ops=${max}`, dst.endpoint]);
      try {
        await etcdctl([at(src), 'put', `${p}start`, 's']);
        await arrived(dst, `${p}start`, mirror);
        const before = await revision(dst);
        const ops = Array.from({ length: 5 }, (_, i) => `put ${p}k${i} v${i}`);
        assert.equal((await etcdctl([at(src), 'txn'], { stdin: `\n${ops.join('\n')}\n\n\n` })).code, 0);
        await etcdctl([at(src), 'put', `${p}sentinel`, 'end']);
        await arrived(dst, `${p}sentinel`, mirror);
        assert.equal(await revision(dst), before + BigInt(txns) + 1n, `--max-txn-ops=${max}`);
        assert.equal(await dump(dst, p), await dump(src, p));
      } finally {
        await mirror.stop();
      }
    }
  });

  test('--no-dest-prefix mirrors to the root of the destination', async () => {
    await etcdctl([at(src), 'put', 'root/x', '1']);
    const mirror = start(OURS, [at(src), 'make-mirror', '--prefix=root/', '--no-dest-prefix', dst.endpoint]);
    try {
      await arrived(dst, 'x', mirror);
      await etcdctl([at(src), 'put', 'root/y', '2']);
      await arrived(dst, 'y', mirror);
      assert.equal(await dump(dst, 'y'), 'y\n2\n');
    } finally {
      await mirror.stop();
    }
  });

  test("a destination with authentication: --dest-user logs in, and without it the error is etcdctl's", async () => {
    const secure = await startEtcd();
    try {
      for (const args of [
        ['user', 'add', 'root:rootpw'],
        ['auth', 'enable'],
      ])
        assert.equal((await etcdctl([at(secure), ...args])).code, 0);
      await etcdctl([at(src), 'put', 'sec/k', 'v']);
      const args = [at(src), 'make-mirror', '--prefix=sec/', secure.endpoint];
      const [ref, got] = await Promise.all([etcdctl(args), ours(args)]);
      assert.deepEqual(errorLines(got.stderr), errorLines(ref.stderr));
      assert.deepEqual(errorLines(got.stderr), ['Error: etcdserver: user name is empty']);
      assert.equal(got.code, ref.code);
      const mirror = start(OURS, [at(src), 'make-mirror', '--prefix=sec/', '--dest-user=root', '--dest-password=rootpw', secure.endpoint]);
      try {
        await arrived(secure, 'sec/k', mirror, ['--user=root:rootpw']);
        const r = await etcdctl([at(secure), '--user=root:rootpw', 'get', 'sec/k']);
        assert.equal(r.stdout.toString(), 'sec/k\nv\n');
      } finally {
        await mirror.stop();
      }
    } finally {
      await secure.stop();
    }
  });

  test('a TLS destination with client certificates: --dest-cacert, --dest-cert, --dest-key', async () => {
    const pki = makePki();
    const secure = await startEtcd([], {
      cert: pki.serverCert,
      key: pki.serverKey,
      ca: pki.ca,
      clientCertAuth: true,
      clientCert: pki.clientCert,
      clientKey: pki.clientKey,
    });
    const tlsRead = ['--cacert', pki.ca, '--cert', pki.clientCert, '--key', pki.clientKey];
    try {
      await etcdctl([at(src), 'put', 'tls/k', 'v']);
      const mirror = start(OURS, [
        at(src),
        'make-mirror',
        '--prefix=tls/',
        `--dest-cacert=${pki.ca}`,
        `--dest-cert=${pki.clientCert}`,
        `--dest-key=${pki.clientKey}`,
        secure.endpoint,
      ]);
      try {
        await arrived(secure, 'tls/k', mirror, tlsRead);
        await etcdctl([at(src), 'put', 'tls/later', 'w']);
        await arrived(secure, 'tls/later', mirror, tlsRead);
      } finally {
        await mirror.stop();
      }
      // Without the client certificate the destination refuses, and the mirror says so.
      const refused = await ours([at(src), '--dial-timeout=1s', 'make-mirror', '--prefix=tls/', `--dest-cacert=${pki.ca}`, secure.endpoint]);
      assert.equal(refused.code, 1);
      assert.deepEqual(errorLines(refused.stderr), ['Error: context deadline exceeded']);
      assert.match(refused.stderr, /^etcdctl-ts: .*certificate/m);
    } finally {
      await secure.stop();
    }
  });

  // Thirty seconds of waiting on a client-side timer: once per edge release.
  test(`every 30 s it prints how many changes it has mirrored${onEdge() ? '' : ` (${EDGES_ONLY})`}`, { skip: !onEdge() && EDGES_ONLY }, async () => {
    await etcdctl([at(src), 'put', 'count/a', '1']);
    const mirror = start(OURS, [at(src), 'make-mirror', '--prefix=count/', dst.endpoint]);
    try {
      await arrived(dst, 'count/a', mirror);
      await etcdctl([at(src), 'put', 'count/b', '2']);
      await etcdctl([at(src), 'del', 'count/a']);
      await etcdctl([at(src), 'put', 'count/end', '3']);
      await arrived(dst, 'count/end', mirror);
      // One copied key, then three changes.
      await mirror.waitFor(/^\d+\n/, 45000);
      assert.equal(mirror.out(), '4\n');
    } finally {
      await mirror.stop();
    }
  });

  test('argument errors, as etcdctl', async () => {
    for (const args of [[], ['a', 'b'], ['--dest-prefix=x', '--no-dest-prefix', dst.endpoint]]) {
      const full = [at(src), 'make-mirror', ...args];
      const [ref, got] = await Promise.all([etcdctl(full), ours(full)]);
      assert.deepEqual(errorLines(got.stderr), errorLines(ref.stderr), args.join(' '));
      assert.equal(got.code, 128);
      assert.equal(ref.code, 128);
    }
  });
});
