// defrag --cluster --safe on a real 3-member cluster: the order (read from
// the members' own logs), refusal with a member down, --defrag-rule,
// --dry-run and --move-leader.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { errorLines, etcdctl, OURS, ours } from '../harness/cli.js';
import { onTerminal } from '../harness/tty.js';
import { startCluster, type EtcdCluster, type EtcdServer } from '../harness/etcd.js';
import { start } from '../harness/proc.js';
import { atLeast } from '../harness/servers.js';

let cl: EtcdCluster;
const all = () => `--endpoints=${cl.endpoints}`;

before(async () => {
  cl = await startCluster(3);
  // History to free: 300 values of 4 kB written, then deleted and compacted.
  for (let t = 0; t < 3; t++) {
    const ops = Array.from({ length: 100 }, (_, i) => `put big/${t * 100 + i} ${'x'.repeat(4000)}`);
    assert.equal((await etcdctl([all(), 'txn'], { stdin: `\n${ops.join('\n')}\n\n\n` })).code, 0);
  }
  await etcdctl([all(), 'del', 'big/', '--prefix']);
  const rev = /"revision":(\d+)/.exec((await etcdctl([all(), 'get', 'x', '-w', 'json'])).stdout.toString())![1]!;
  await etcdctl([all(), 'compaction', '--physical', rev]);
});

after(async () => {
  await cl?.stop();
});

interface Status {
  member: bigint;
  leader: bigint;
  dbSize: number;
}

async function statuses(): Promise<Map<string, Status>> {
  const r = await ours([all(), 'endpoint', 'status', '-w', 'json']);
  const out = new Map<string, Status>();
  for (const m of r.stdout
    .toString()
    .matchAll(/"Endpoint":"([^"]+)","Status":\{"header":\{"cluster_id":\d+,"member_id":(\d+),[^}]*\},"version":"[^"]*","dbSize":(\d+),"leader":(\d+)/g)) {
    out.set(m[1]!, { member: BigInt(m[2]!), leader: BigInt(m[4]!), dbSize: Number(m[3]) });
  }
  return out;
}

async function leader(): Promise<EtcdServer> {
  const s = await statuses();
  const l = cl.members.find((m) => s.get(m.endpoint)?.member === s.get(m.endpoint)?.leader);
  assert.ok(l, 'a leader');
  return l;
}

// When each member began and finished defragmenting, from its log (3.4's
// capnslog lines or 3.5's JSON lines), in ms since the epoch.
function defrags(m: EtcdServer): { start: number; end: number }[] {
  const log = readFileSync(`${m.dataDir}.log`, 'utf8').split('\n');
  const when = (l: string) => {
    const json = /"ts":"([^"]+)"/.exec(l);
    return Date.parse(json ? json[1]! : `${l.slice(0, 26).replace(' ', 'T')}Z`);
  };
  const starts = log.filter((l) => /starting to defragment the storage backend|"msg":"starting defragment"/.test(l)).map(when);
  const ends = log.filter((l) => /finished defragmenting the storage backend|"msg":"finished defragment"/.test(l)).map(when);
  return starts.map((start, i) => ({ start, end: ends[i] ?? NaN }));
}

describe('defrag --cluster --safe', () => {
  test('--dry-run prints the plan and changes no member', async () => {
    const before = await statuses();
    const r = await ours([all(), 'defrag', '--cluster', '--dry-run']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.toString(), /ORDER.*ENDPOINT.*ID.*ROLE.*DB SIZE.*IN USE.*FREE.*RULE/);
    assert.match(r.stdout.toString(), /│ 3 +│ [^│]+│ [0-9a-f]+ +│ leader/);
    assert.deepEqual(await statuses(), before);
    for (const m of cl.members) assert.equal(defrags(m).length, 0);
    // Colour only on a terminal, and not with NO_COLOR.
    assert.doesNotMatch(r.stdout.toString(), /\x1b\[/);
    const onTty = async (env: Record<string, string>) =>
      (await onTerminal([process.execPath, OURS, all(), 'defrag', '--cluster', '--dry-run'], { env: { ...process.env, ...env } })).out;
    assert.match(await onTty({ FORCE_COLOR: '1' }), /\x1b\[\d+m(?:\x1b\[\d+m)?ORDER/);
    assert.doesNotMatch(await onTty({ NO_COLOR: '1' }), /\x1b\[\d+m/);
  });

  test('followers first, the leader last, each once', async () => {
    const l = await leader();
    const r = await ours([all(), 'defrag', '--cluster', '--safe']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((r.stdout.toString().match(/^Defragmented member /gm) ?? []).length, 3);
    const followers = cl.members.filter((m) => m !== l);
    const [mine] = defrags(l);
    assert.ok(mine, 'the leader was defragmented');
    for (const f of followers) {
      const [d] = defrags(f);
      assert.ok(d && d.end <= mine.start, `${f.name} finished (${d?.end}) before the leader began (${mine.start})`);
    }
    // Freed space is given back.
    for (const s of (await statuses()).values()) assert.ok(s.dbSize < 1_000_000, String(s.dbSize));
  });

  test('--move-leader: leadership moves first, the old leader is defragmented as a follower', async () => {
    const old = await leader();
    const r = await ours([all(), 'defrag', '--cluster', '--move-leader', '-w', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout.toString()) as { members: { endpoint: string; result: string; idHex: string }[] };
    assert.deepEqual(
      report.members.map((m) => m.result),
      ['done', 'done', 'done'],
    );
    assert.notEqual((await leader()).name, old.name);
    const runs = defrags(old);
    assert.equal(runs.length, 2);
  });

  test('a rule that holds for one member defragments that one only', async () => {
    // Make one member's database larger than the others': defragment the
    // other two after new garbage is made.
    const ops = Array.from({ length: 100 }, (_, i) => `put more/${i} ${'y'.repeat(4000)}`);
    await etcdctl([all(), 'txn'], { stdin: `\n${ops.join('\n')}\n\n\n` });
    await etcdctl([all(), 'del', 'more/', '--prefix']);
    const rev = /"revision":(\d+)/.exec((await etcdctl([all(), 'get', 'x', '-w', 'json'])).stdout.toString())![1]!;
    await etcdctl([all(), 'compaction', '--physical', rev]);
    const [big, ...rest] = cl.members;
    for (const m of rest) assert.equal((await etcdctl([`--endpoints=${m.endpoint}`, 'defrag'])).code, 0);
    const s = await statuses();
    const sizes = cl.members.map((m) => s.get(m.endpoint)!.dbSize);
    const cut = (sizes[0]! + Math.max(sizes[1]!, sizes[2]!)) / 2;
    const counts = cl.members.map((m) => defrags(m).length);
    const r = await ours([all(), 'defrag', '--cluster', `--defrag-rule=dbSize > ${Math.round(cut)} && dbQuotaUsage < 1`, '-w', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout.toString()) as { members: { endpoint: string; result: string }[] };
    const results = new Map(report.members.map((m) => [m.endpoint, m.result]));
    assert.deepEqual(
      cl.members.map((m) => results.get(`http://${m.endpoint}`)),
      cl.members.map((m) => (m === big ? 'done' : 'skipped')),
    );
    assert.deepEqual(
      cl.members.map((m) => defrags(m).length),
      counts.map((c, i) => (i === 0 ? c + 1 : c)),
    );
  });

  test('a bad rule is refused before anything runs, pointing at the token', async () => {
    const r = await ours([all(), 'defrag', '--cluster', '--defrag-rule=dbSize > 10 MB']);
    assert.equal(r.code, 128);
    assert.deepEqual(errorLines(r.stderr), ['Error: --defrag-rule: unknown unit "MB" (use KiB, MiB, GiB or TiB) at column 13']);
    assert.match(r.stderr, /\n {2}dbSize > 10 MB\n {14}\^\n/);
    const deep = await ours([all(), 'defrag', '--cluster', `--defrag-rule=${'('.repeat(10000)}dbSize > 1${')'.repeat(10000)}`]);
    assert.equal(deep.code, 128);
    assert.match(errorLines(deep.stderr)[0]!, /^Error: --defrag-rule: the rule nests more than 64 levels of parentheses and operators at column 65$/);
    const types = await ours([all(), 'defrag', '--cluster', '--defrag-rule=dbSize && 1']);
    assert.deepEqual(errorLines(types.stderr), ['Error: --defrag-rule: "&&" needs a boolean at column 1']);
  });

  test('one member stopped: refused, naming it, and no member defragmented', async () => {
    const down = cl.members[2]!;
    const counts = cl.members.map((m) => defrags(m).length);
    await down.stop();
    try {
      const r = await ours([`--endpoints=${cl.members[0]!.endpoint}`, '--command-timeout=2s', 'defrag', '--cluster', '--safe']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`etcdctl-ts: member ${down.name} \\(http://${down.endpoint}\\): unreachable or not serving`));
      assert.deepEqual(errorLines(r.stderr), ['Error: refusing to defragment: 1 of 3 members is not healthy; no member was touched']);
      assert.deepEqual(
        cl.members.slice(0, 2).map((m) => defrags(m).length),
        counts.slice(0, 2),
      );
    } finally {
      await down.start();
    }
  });
});

describe('defrag --safe when it matters', () => {
  let small: EtcdCluster;
  const QUOTA = 4 * 1024 * 1024;
  const eps = () => `--endpoints=${small.endpoints}`;

  before(async () => {
    small = await startCluster(3, [`--quota-backend-bytes=${QUOTA}`]);
  });

  after(async () => {
    await small?.stop();
  });

  test('dbQuota is the quota a 3.6+ server reports, else --etcd-storage-quota-bytes (2 GiB by default)', async () => {
    const own = atLeast('3.6');
    for (const [flag, want] of [
      [[], own ? QUOTA : 2 * 1024 ** 3],
      [['--etcd-storage-quota-bytes=1048576'], own ? QUOTA : 1048576],
    ] as const) {
      const r = await ours([eps(), 'defrag', '--cluster', '--dry-run', '-w', 'json', `--defrag-rule=dbQuota == ${want}`, ...flag]);
      assert.equal(r.code, 0, r.stderr);
      const report = JSON.parse(r.stdout.toString()) as { members: { result: string; dbQuota: number }[] };
      assert.deepEqual(
        report.members.map((m) => [m.result, m.dbQuota]),
        small.members.map(() => ['planned', want]),
        flag.join(' '),
      );
    }
  });

  test('NOSPACE: filled until writes fail, then --compaction --auto-disalarm brings writes back', async () => {
    // History of one key, until the quota stops writes.
    let full = false;
    for (let i = 0; i < 200 && !full; i++) {
      const r = await etcdctl([eps(), 'put', 'fill'], { stdin: Buffer.alloc(200 * 1024, 97 + (i % 26)) });
      full = errorLines(r.stderr).some((l) => l.includes('database space exceeded'));
    }
    assert.ok(full, 'the quota was reached');
    assert.match((await etcdctl([eps(), 'alarm', 'list'])).stdout.toString(), /alarm:NOSPACE/);
    const r = await ours([eps(), 'defrag', '--cluster', '--compaction', '--auto-disalarm', `--etcd-storage-quota-bytes=${QUOTA}`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.toString(), /^Compacted to revision \d+$/m);
    assert.match(r.stdout.toString(), /^Disarmed the NOSPACE alarm$/m);
    assert.equal((await etcdctl([eps(), 'alarm', 'list'])).stdout.toString(), '');
    assert.equal((await etcdctl([eps(), 'put', 'after', 'works'])).stdout.toString(), 'OK\n');
  });

  test('a member killed mid-run: exit 1 naming it, later members not started, the others healthy', async () => {
    const run = start(OURS, [eps(), '--command-timeout=3s', 'defrag', '--cluster', '--wait-between-defrags=5s']);
    try {
      await run.waitFor(/^Defragmented member /m, 30000);
      // The plan names the member second in line.
      const second = /│ 2 +│ http:\/\/(\S+) /.exec(run.out())![1]!;
      const victim = small.members.find((m) => m.endpoint === second)!;
      await victim.kill();
      assert.equal(await run.exited, 1);
      assert.match(run.err(), new RegExp(`^Failed to defragment member ${victim.name} \\([0-9a-f]+\\) at http://${victim.endpoint}: `, 'm'));
      assert.match(run.out(), /not started/);
      const rest = small.members
        .filter((m) => m !== victim)
        .map((m) => m.endpoint)
        .join(',');
      const health = await etcdctl([`--endpoints=${rest}`, 'endpoint', 'health']);
      assert.equal(health.code, 0, health.stderr);
    } finally {
      await run.stop();
    }
  });
});
