// Failover on a 3-member cluster: with every member in --endpoints, get,
// put, txn and watch keep working when one member dies (SIGKILL), the
// leader included, and a running watch moves on without losing or
// repeating an event.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { errorLines, etcdctl, OURS, ours } from '../harness/cli.js';
import { startCluster, type EtcdCluster, type EtcdServer } from '../harness/etcd.js';
import { atLeast } from '../harness/servers.js';
import { start } from '../harness/proc.js';

let cl: EtcdCluster;

before(async () => {
  cl = await startCluster(3);
});

after(async () => {
  await cl?.stop();
});

// The dead member first, so every command starts by dialing it.
const endpointsFrom = (first: EtcdServer) => `--endpoints=${[first, ...cl.members.filter((m) => m !== first)].map((m) => m.endpoint).join(',')}`;

// The member that says it leads, among `among`; undefined while none does.
async function findLeader(among: EtcdServer[]): Promise<EtcdServer | undefined> {
  const r = await etcdctl([`--endpoints=${among.map((m) => m.endpoint).join(',')}`, 'endpoint', 'status', '-w', 'json']);
  for (const m of r.stdout
    .toString()
    .matchAll(/"Endpoint":"([^"]+)","Status":\{"header":\{"cluster_id":\d+,"member_id":(\d+),[^}]*\},"version":"[^"]*","dbSize":\d+,"leader":(\d+)/g)) {
    if (m[2] === m[3]) return cl.members.find((s) => s.endpoint === m[1])!;
  }
  return undefined;
}

// etcd drops a write forwarded to a leader that has just died (the client
// sees a timeout, with etcdctl too), so the survivors must first elect a
// new leader: this waits for that, polling their status.
async function leader(among = cl.members): Promise<EtcdServer> {
  const until = Date.now() + 20000;
  for (;;) {
    const l = await findLeader(among);
    if (l) return l;
    if (Date.now() > until) assert.fail('no leader elected');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('one member killed, the others serve', () => {
  for (const which of ['leader', 'a follower'] as const) {
    test(`${which} killed: put, get, del and txn succeed through the rest`, async () => {
      const lead = await leader();
      const dead = which === 'leader' ? lead : cl.members.find((m) => m !== lead)!;
      await dead.kill();
      try {
        await leader(cl.members.filter((m) => m !== dead));
        const ep = endpointsFrom(dead);
        const key = `fo/${which === 'leader' ? 'l' : 'f'}`;
        const put = await ours([ep, 'put', key, 'v1']);
        assert.equal(put.stdout.toString(), 'OK\n', put.stderr);
        const get = await ours([ep, 'get', key]);
        assert.equal(get.stdout.toString(), `${key}\nv1\n`, get.stderr);
        const txn = await ours([ep, 'txn'], { stdin: `value("${key}") = "v1"\n\nput ${key} v2\n\nput ${key} never\n\n` });
        assert.equal(txn.stdout.toString(), 'SUCCESS\n\nOK\n', txn.stderr);
        // What etcdctl-ts wrote is what the live members hold.
        const check = await etcdctl([`--endpoints=${cl.members.find((m) => m !== dead)!.endpoint}`, 'get', key, '--print-value-only']);
        assert.equal(check.stdout.toString(), 'v2\n');
        const del = await ours([ep, 'del', key]);
        assert.equal(del.stdout.toString(), '1\n', del.stderr);
      } finally {
        await dead.start();
      }
    });
  }
});

describe('quorum lost', () => {
  test('two members killed: a put fails as with etcdctl, naming the dead members and the silent one', async () => {
    const [live, ...dead] = cl.members as [EtcdServer, EtcdServer, EtcdServer];
    await Promise.all(dead.map((m) => m.kill()));
    try {
      const args = [`--endpoints=${[...dead, live].map((m) => m.endpoint).join(',')}`, '--command-timeout=1s', 'put', 'fo/q', 'x'];
      const [ref, got] = await Promise.all([etcdctl(args), ours(args)]);
      assert.equal(got.code, ref.code);
      assert.equal(got.code, 1);
      // Either the deadline passes first, or the member gives up on the
      // proposal itself; which one depends on timing, for etcdctl too.
      const [line] = errorLines(got.stderr);
      assert.match(line!, /^Error: (context deadline exceeded|etcdserver: request timed out.*)$/);
      for (const m of dead) assert.match(got.stderr, new RegExp(`^etcdctl-ts: nothing is listening at ${m.endpoint} \\(connection refused\\)`, 'm'));
      if (line === 'Error: context deadline exceeded') {
        assert.match(
          got.stderr,
          new RegExp(`^etcdctl-ts: ${live.endpoint} accepted the request but gave no answer in time: the cluster may have no leader`, 'm'),
        );
      }
      // member list --consistency: s is the survivor's own view; l (the
      // default) needs the leader on 3.5+ servers, and 3.4 ignores it.
      const list = (c: string) => ours([`--endpoints=${live.endpoint}`, '--command-timeout=1s', 'member', 'list', `--consistency=${c}`]);
      const [s, l] = await Promise.all([list('s'), list('l')]);
      assert.equal(s.code, 0, s.stderr);
      assert.equal(s.stdout.toString().trim().split('\n').length, 3);
      // (How the wait ends, a deadline or the member giving up, is the server's and the clock's.)
      if (atLeast('3.5')) assert.deepEqual([l.code, l.stdout.length, errorLines(l.stderr).length], [1, 0, 1], l.stderr);
      else assert.equal(l.stdout.toString(), s.stdout.toString());
    } finally {
      await Promise.all(dead.map((m) => m.start()));
    }
  });
});

describe('a running watch outlives its member', () => {
  test('the leader it is attached to is killed: events before, during and after arrive once, in order', async () => {
    const lead = await leader();
    const others = cl.members.filter((m) => m !== lead);
    const watch = start(OURS, [endpointsFrom(lead), 'watch', '--prefix', 'wf/']);
    const put = (k: string, v: string) => etcdctl([`--endpoints=${others.map((m) => m.endpoint).join(',')}`, 'put', k, v]);
    try {
      // Retried until the watch, which may still be starting, reports it.
      for (let i = 0; !watch.out().includes('wf/ready'); i++) {
        await put('wf/ready', String(i));
        await watch.waitFor('wf/ready', 500).catch(() => undefined);
      }
      const before = watch.out();
      await lead.kill();
      await leader(others);
      assert.equal((await put('wf/a', '1')).code, 0);
      assert.equal((await put('wf/b', '2')).code, 0);
      await watch.waitFor('wf/b\n2\n', 20000);
      assert.equal(watch.out().slice(before.length), 'PUT\nwf/a\n1\nPUT\nwf/b\n2\n');
      await lead.start();
      assert.equal((await put('wf/c', '3')).code, 0);
      await watch.waitFor('wf/c\n3\n');
      assert.equal(watch.out().slice(before.length), 'PUT\nwf/a\n1\nPUT\nwf/b\n2\nPUT\nwf/c\n3\n');
    } finally {
      assert.equal(await watch.stop(), 130);
      if (lead.proc.exitCode !== null || lead.proc.signalCode !== null) await lead.start();
    }
  });
});

// Whether bytes wait unread in a socket the member on `port` accepted: a
// request sent to it while it is frozen (from /proc/net/tcp: the local
// port in hex, and rx_queue).
function requestWaiting(port: number): boolean {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .some((line) => {
      const f = line.trim().split(/\s+/);
      return f[1]?.endsWith(`:${hex}`) && f[3] === '01' && parseInt(f[4]!.split(':')[1]!, 16) > 0;
    });
}

describe('a paged read outlives its member', () => {
  test("the member serving a paged get is killed (SIGKILL) or stopped (SIGTERM) with a page request under way: the output is whole and identical to etcdctl's", async () => {
    // 20,000 keys of about 100 bytes: far more than a pipe holds.
    const all = `--endpoints=${cl.endpoints}`;
    for (let t = 0; t < 160; t++) {
      const ops = Array.from({ length: 125 }, (_, i) => `put pg/${String(t * 125 + i).padStart(6, '0')} ${'p'.repeat(90)}${i}`);
      assert.equal((await etcdctl([all, 'txn'], { stdin: `\n${ops.join('\n')}\n\n\n` })).code, 0);
    }
    for (const [format, signal] of [
      ['simple', 'SIGKILL'],
      ['json', 'SIGTERM'],
    ] as const) {
      const serving = cl.members[0]!;
      const others = cl.members.filter((m) => m !== serving);
      const args = ['get', 'pg/', '--prefix', `-w=${format}`];
      const want = await etcdctl([`--endpoints=${others[0]!.endpoint}`, ...args]);
      assert.equal(want.code, 0);
      // The member is frozen while the read goes on, so that its next page
      // request is sent and left unanswered (it waits, unread, in the
      // member's socket); then the member is killed under it.
      const child = spawn(process.execPath, [OURS, endpointsFrom(serving), ...args, '--page-size=500'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const out: Buffer[] = [];
      const exited = new Promise<number>((r) => child.on('close', (code) => r(code ?? -1)));
      out.push(await new Promise<Buffer>((r) => child.stdout.once('data', r)));
      serving.proc.kill('SIGSTOP');
      child.stdout.on('data', (d: Buffer) => out.push(d));
      try {
        for (let i = 0; !requestWaiting(serving.clientPort); i++) {
          assert.ok(i < 1000, `no page request reached the frozen member; stderr: ${err}`);
          await new Promise((r) => setTimeout(r, 10));
        }
        const before = Buffer.concat(out).length;
        // SIGKILL resets the connection; SIGTERM lets etcd end its streams
        // on the way out, without a gRPC status.
        if (signal === 'SIGKILL') await serving.kill();
        else {
          const gone = new Promise((r) => serving.proc.once('exit', r));
          serving.proc.kill('SIGTERM');
          serving.proc.kill('SIGCONT');
          await gone;
        }
        assert.equal(await exited, 0, err);
        assert.ok(Buffer.concat(out).length > before, 'pages came after the kill');
        const got = Buffer.concat(out).toString();
        // The header names the member that answered the first page: compare the rest.
        if (format === 'json') {
          const [g, w] = [
            JSON.parse(got) as { header: { revision: number }; kvs: unknown[]; count: number },
            JSON.parse(want.stdout.toString()) as { kvs: unknown[]; count: number },
          ];
          assert.deepEqual([g.kvs, g.count], [w.kvs, w.count]);
        } else assert.equal(got, want.stdout.toString());
      } finally {
        await serving.start();
      }
    }
  });
});

describe('compaction on a cluster, as etcdctl', () => {
  test('compacts on every member; compacted and future revisions are refused alike', async () => {
    const all = `--endpoints=${cl.endpoints}`;
    const revs: string[] = [];
    for (let i = 0; i < 4; i++) revs.push(/"revision":(\d+)/.exec((await ours([all, 'put', 'cmp/k', String(i), '-w', 'json'])).stdout.toString())![1]!);
    const ref = await etcdctl([all, 'compaction', revs[1]!]);
    const got = await ours([all, 'compaction', '--physical', revs[2]!]);
    assert.equal(ref.stdout.toString(), `compacted revision ${revs[1]}\n`);
    assert.equal(got.stdout.toString(), `compacted revision ${revs[2]}\n`);
    // Every member now refuses reads below the compaction.
    for (const m of cl.members) {
      const old = await etcdctl([`--endpoints=${m.endpoint}`, 'get', 'cmp/k', `--rev=${revs[1]}`]);
      assert.deepEqual(errorLines(old.stderr), ['Error: etcdserver: mvcc: required revision has been compacted']);
    }
    for (const rev of [revs[0]!, '99999999']) {
      const [r, o] = await Promise.all([etcdctl([all, 'compaction', rev]), ours([all, 'compaction', rev])]);
      assert.deepEqual(errorLines(o.stderr), errorLines(r.stderr));
      assert.equal(o.code, r.code);
      assert.equal(o.code, 1);
    }
  });
});
