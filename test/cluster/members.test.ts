// member, endpoint, defrag, alarm and move-leader on a real 3-member
// cluster, byte for byte against etcdctl on the same cluster state, and
// with one member stopped.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { errorLines, etcdctl, ours, type Result } from '../harness/cli.js';
import { reference } from '../harness/reference.js';
import { freePort, startCluster, type EtcdCluster } from '../harness/etcd.js';

let cl: EtcdCluster;

before(async () => {
  cl = await startCluster(3);
});

after(async () => {
  await cl?.stop();
});

const both = async (args: string[]): Promise<[Result, Result]> => [await reference(args), await ours(args)];

// Same stdout bytes, same exit code, same Error line; returns ours.
async function compare(args: string[]): Promise<Result> {
  const [ref, got] = await both(args);
  assert.equal(got.stdout.toString('latin1'), ref.stdout.toString('latin1'), `stdout of ${args.join(' ')}`);
  assert.equal(got.code, ref.code, `exit code of ${args.join(' ')}: ${got.stderr}`);
  assert.deepEqual(errorLines(got.stderr), errorLines(ref.stderr));
  return got;
}

async function same(args: string[]): Promise<void> {
  await compare(args);
}

const one = () => `--endpoints=${cl.members[0]!.endpoint}`;
const all = () => `--endpoints=${cl.endpoints}`;
const FORMATS = ['simple', 'json', 'fields', 'table', 'protobuf'];

describe('member list and endpoint commands, every format', () => {
  for (const w of FORMATS) {
    test(`member list -w ${w}`, async () => {
      const r = await compare([one(), 'member', 'list', '-w', w]);
      if (w === 'simple') assert.equal(r.stdout.toString().trim().split('\n').length, 3);
    });
    test(`endpoint status -w ${w}`, () => same([all(), 'endpoint', 'status', '-w', w]));
    test(`endpoint status --cluster -w ${w}`, () => same([one(), 'endpoint', 'status', '--cluster', '-w', w]));
    test(`endpoint hashkv -w ${w}`, () => same([all(), 'endpoint', 'hashkv', '-w', w]));
    test(`endpoint hashkv --rev=1 --cluster -w ${w}`, () => same([one(), 'endpoint', 'hashkv', '--rev=1', '--cluster', '-w', w]));
    // One endpoint: with several, etcdctl's balancer answers from whichever member it reached first.
    test(`alarm list -w ${w}`, () => same([one(), 'alarm', 'list', '-w', w === 'fields' ? 'json' : w]));
  }

  test('ETCDCTL_CLUSTER applies to the endpoint group', async () => {
    const env = { ETCDCTL_CLUSTER: 'true' };
    const [ref, got] = [await etcdctl([one(), 'endpoint', 'status'], { env }), await ours([one(), 'endpoint', 'status'], { env })];
    assert.equal(got.stdout.toString(), ref.stdout.toString());
    assert.equal(got.stdout.toString().trim().split('\n').length, 3);
  });

  // Durations differ run to run; everything else must match.
  // (In a table the column width follows them too.)
  const maskTook = (s: string) =>
    s
      .replace(/(took = |"took":"|"Took" : |\| +)[0-9.]+(ns|µs|ms|s)/g, '$1T')
      .replace(/ +/g, ' ')
      .replace(/-+/g, '-')
      .split('\n')
      .sort()
      .join('\n');
  for (const w of ['json', 'fields', 'table']) {
    test(`endpoint health -w ${w}`, async () => {
      const [ref, got] = await both([one(), 'endpoint', 'health', '--cluster', '-w', w]);
      assert.equal(got.code, 0, got.stderr);
      assert.equal(ref.code, 0);
      const norm = (s: string) =>
        maskTook(
          w === 'json' ? JSON.stringify(JSON.parse(s).sort((a: { endpoint: string }, b: { endpoint: string }) => a.endpoint.localeCompare(b.endpoint))) : s,
        );
      assert.equal(norm(got.stdout.toString()), norm(ref.stdout.toString()));
    });
  }

  test('endpoint health: 3.5 wording on stdout', async () => {
    const [ref, got] = await both([all(), 'endpoint', 'health']);
    assert.equal(got.code, 0);
    // etcdctl 3.4 writes these lines to stderr; 3.5 moved them to stdout.
    const lines = (s: string) =>
      maskTook(
        s
          .split('\n')
          .filter((l) => l.includes(' is healthy'))
          .join('\n'),
      );
    assert.equal(lines(got.stdout.toString()), lines(ref.stderr));
    assert.equal(got.stdout.toString().trim().split('\n').length, 3);
  });

  test('defrag and defrag --cluster', async () => {
    await same([all(), 'defrag']);
    const r = await compare([one(), 'defrag', '--cluster']);
    assert.match(r.stdout.toString(), /^(Finished defragmenting etcd member\[http:\/\/127\.0\.0\.1:\d+\]\n){3}$/);
  });
});

describe('argument errors', () => {
  const cases = [
    ['member', 'add'],
    ['member', 'add', 'x'],
    ['member', 'add', 'x', 'http://127.0.0.1:1', 'y'],
    ['member', 'remove'],
    ['member', 'remove', 'zzz'],
    ['member', 'remove', '1', '2'],
    ['member', 'update', 'abc'],
    ['member', 'update', 'xyz', '--peer-urls=http://a:1'],
    ['member', 'promote'],
    ['member', 'remove', 'abc'],
    ['member', 'update', 'abc', '--peer-urls=http://127.0.0.1:1'],
    // Peer URLs the client refuses before asking the server.
    ['member', 'add', 'n', '--peer-urls=bad'],
    ['member', 'add', 'n', '--peer-urls=127.0.0.1:1'],
    ['member', 'add', 'n', '--peer-urls=http://a:1,ftp://b:2'],
    ['member', 'add', 'n', '--peer-urls=http://a:1/p'],
    ['member', 'add', 'n', '--peer-urls=http://a'],
    ['member', 'update', 'abc', '--peer-urls=bad'],
    ['alarm', 'list', 'x'],
    ['alarm', 'disarm', 'x'],
    ['move-leader'],
    ['move-leader', 'zz'],
    ['move-leader', 'ffffffffffffffffff'],
    ['endpoint', 'status', '-w', 'bogus'],
  ];
  for (const c of cases) test(c.join(' '), () => same([all(), ...c]));
  test('endpoint hashkv -w protobuf (not supported)', () => same([all(), 'endpoint', 'hashkv', '-w', 'protobuf']));
  test('endpoint status -w protobuf (not supported)', () => same([all(), 'endpoint', 'status', '-w', 'protobuf']));
  test('member list --consistency: l and s list the members; another value is refused, naming it', async () => {
    const want = (await etcdctl([one(), 'member', 'list'])).stdout.toString();
    for (const c of ['l', 's']) assert.equal((await ours([one(), 'member', 'list', `--consistency=${c}`])).stdout.toString(), want);
    const bad = await ours([one(), 'member', 'list', '--consistency=x']);
    assert.deepEqual([bad.code, bad.stderr, bad.stdout.length], [4, 'Error: unknown consistency flag "x"\n', 0]);
  });
});

describe('member add, update, promote and remove', () => {
  // Until every member has applied the removal, the next change can be
  // refused by one that has not.
  async function goneEverywhere(id: string): Promise<void> {
    for (let i = 0; i < 200; i++) {
      const lists = await Promise.all(cl.members.map((m) => etcdctl([`--endpoints=${m.endpoint}`, 'member', 'list'])));
      if (lists.every((l) => l.code === 0 && !l.stdout.toString().includes(id))) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.fail(`member ${id} still listed`);
  }

  // Adds a learner with `bin`, returns its output with the new ID masked, removes it.
  async function addLearner(run: typeof ours, extra: string[]): Promise<{ out: string; code: number }> {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const r = await run([one(), 'member', 'add', 'newbie', `--peer-urls=${url}`, '--learner', ...extra]);
    assert.equal(r.code, 0, r.stderr);
    const list = await etcdctl([one(), 'member', 'list']);
    const line = list.stdout
      .toString()
      .split('\n')
      .find((l) => l.includes(url))!;
    const id = line.split(',')[0]!;
    assert.match(line, /, unstarted, , .*, true$/);
    // A learner that never started is not in sync: promote must fail alike on both.
    await same([one(), 'member', 'promote', id]);
    const upd = await both([one(), 'member', 'update', id, `--peer-urls=${url}`]);
    assert.equal(upd[1].stdout.toString(), upd[0].stdout.toString());
    assert.match(upd[1].stdout.toString(), new RegExp(`^Member +${id} updated in cluster +[0-9a-f]+\n$`));
    const rm = await run([one(), 'member', 'remove', id]);
    assert.equal(rm.code, 0, rm.stderr);
    await goneEverywhere(id);
    // The new ID is random: its width (hence the padding) and its place in
    // the ID-ordered member list vary from one add to the next.
    const out = (r.stdout.toString() + rm.stdout.toString())
      .replaceAll(id, 'ID')
      .replaceAll(String(port), 'PORT')
      .replace(/Member +ID/g, 'Member ID')
      .replace(/"ID":\d+,"peerURLs":\["http:\/\/127\.0\.0\.1:PORT"\]/g, 'NEW')
      .replace(/ETCD_INITIAL_CLUSTER="(.*)"/, (_m, v: string) => `ETCD_INITIAL_CLUSTER="${v.split(',').sort().join(',')}"`)
      .replace(/"members":\[\{(.*)\}\]/, (_m, v: string) => `"members":[{${v.split('},{').sort().join('},{')}}]`);
    return { out, code: r.code };
  }

  test('simple output, including the ETCD_* lines', async () => {
    const ref = await addLearner(etcdctl, []);
    const got = await addLearner(ours, []);
    assert.equal(got.out, ref.out);
    assert.match(
      got.out,
      /ETCD_INITIAL_CLUSTER=".*newbie=http:\/\/127\.0\.0\.1:PORT.*"\nETCD_INITIAL_ADVERTISE_PEER_URLS="http:\/\/127\.0\.0\.1:PORT"\nETCD_INITIAL_CLUSTER_STATE="existing"\n/,
    );
  });

  test('json output', async () => {
    const norm = (s: string) => s.replace(/"raft_term":\d+/g, '');
    const ref = await addLearner(etcdctl, ['-w', 'json']);
    const got = await addLearner(ours, ['-w', 'json']);
    assert.equal(norm(got.out), norm(ref.out));
    assert.match(got.out, /"member":\{NEW,"isLearner":true\}/);
  });

  test('fields is refused after the change, as etcdctl does', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const r = await ours([one(), 'member', 'add', 'tmp', `--peer-urls=${url}`, '--learner', '-w', 'fields']);
    assert.equal(r.code, 4);
    assert.deepEqual(errorLines(r.stderr), ['Error: fields not supported as output format']);
    const list = await ours([one(), 'member', 'list']);
    const id = list.stdout
      .toString()
      .split('\n')
      .find((l) => l.includes(url))!
      .split(',')[0]!;
    assert.equal((await ours([one(), 'member', 'remove', id])).code, 0);
  });

  test('removing an unknown member', () => same([one(), 'member', 'remove', '1234']));
});

describe('move-leader', () => {
  async function leader(): Promise<{ id: string; follower: string }> {
    const r = await etcdctl([all(), 'endpoint', 'status']);
    const rows = r.stdout
      .toString()
      .trim()
      .split('\n')
      .map((l) => l.split(', '));
    return { id: rows.find((x) => x[4] === 'true')![1]!, follower: rows.find((x) => x[4] === 'false')![1]! };
  }

  test('transfers leadership and says so', async () => {
    const before = await leader();
    const r = await ours([all(), 'move-leader', before.follower]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), `Leadership transferred from ${before.id} to ${before.follower}\n`);
    assert.equal((await leader()).id, before.follower);
    const back = await etcdctl([all(), 'move-leader', before.id]);
    assert.equal(back.stdout.toString(), `Leadership transferred from ${before.follower} to ${before.id}\n`);
  });

  test('no leader among the endpoints', async () => {
    const { id, follower } = await leader();
    const rows = (await etcdctl([all(), 'endpoint', 'status'])).stdout
      .toString()
      .trim()
      .split('\n')
      .map((l) => l.split(', '));
    const ep = rows.find((x) => x[1] === follower)![0]!;
    await same([`--endpoints=${ep}`, 'move-leader', id]);
  });

  test('an unknown transferee', async () => same([all(), 'move-leader', 'abcdef']));
});

describe('one member stopped', () => {
  before(async () => {
    await cl.members[2]!.stop();
  });

  after(async () => {
    await cl.members[2]!.start();
  });

  const dead = () => cl.members[2]!;
  const t = '--command-timeout=2s';

  test('endpoint status --cluster -w table: the live members as etcdctl prints them, the dead one named', async () => {
    const [ref, got] = await both([one(), t, 'endpoint', 'status', '--cluster', '-w', 'table']);
    assert.equal(got.stdout.toString(), ref.stdout.toString());
    assert.equal(got.stdout.toString().split('\n').length, 7);
    assert.equal(got.code, 1);
    assert.equal(ref.code, 1);
    const line = `Failed to get the status of endpoint http://${dead().endpoint} (context deadline exceeded)`;
    assert.ok(ref.stderr.includes(line));
    assert.ok(got.stderr.includes(line), got.stderr);
    assert.match(got.stderr, new RegExp(`etcdctl-ts: nothing is listening at ${dead().endpoint.replaceAll('.', '\\.')}`));
    assert.deepEqual(errorLines(got.stderr), []);
  });

  test('defrag --cluster defragments the live members and exits 1', async () => {
    const [ref, got] = await both([one(), t, 'defrag', '--cluster']);
    assert.equal(got.stdout.toString(), ref.stdout.toString());
    assert.equal(
      got.stdout
        .toString()
        .split('\n')
        .filter((l) => l.startsWith('Finished')).length,
      2,
    );
    assert.equal(got.code, 1);
    assert.equal(ref.code, 1);
    assert.ok(got.stderr.includes(`Failed to defragment etcd member[http://${dead().endpoint}] (context deadline exceeded)`));
  });

  test('endpoint hashkv reports the failure and exits 1', async () => {
    const [ref, got] = await both([all(), t, 'endpoint', 'hashkv']);
    assert.equal(got.stdout.toString(), ref.stdout.toString());
    assert.equal(got.code, 1);
    assert.deepEqual(errorLines(got.stderr), errorLines(ref.stderr));
  });

  test('endpoint health names the unhealthy member and exits 1', async () => {
    const got = await ours([all(), t, 'endpoint', 'health']);
    assert.equal(got.code, 1);
    assert.ok(got.stdout.toString().includes(`${dead().endpoint} is unhealthy: failed to commit proposal: context deadline exceeded\n`));
    assert.equal(
      got.stdout
        .toString()
        .split('\n')
        .filter((l) => l.includes(' is healthy')).length,
      2,
    );
    assert.deepEqual(errorLines(got.stderr), ['Error: unhealthy cluster']);
  });
});
