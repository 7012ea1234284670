// defrag --cluster --safe (etcdctl-ts's own): every member checked before
// any is touched, followers first and the leader last (or never, with
// --move-leader), each waited for until it serves and has caught up, only
// where --defrag-rule holds. What etcd-defrag does, inside the CLI.
import { CliError, ExitCode } from '../base/errors.js';
import type { Context } from '../cli/global.js';
import type { Flags } from '../cli/registry.js';
import type { EtcdClient } from '../client/etcd.js';
import { AlarmAction, AlarmType, type Member, type StatusResponse } from '../client/types.js';
import { humanizeBytes, goDuration } from '../base/gofmt.js';
import { drawTable } from '../output/own-tables.js';
import { stdout } from '../output/out.js';
import { startProgress } from '../output/progress.js';
import { jsonText, type JsonObject } from '../base/json-text.js';
import { parseRule, RuleError, type Rule, type Variables } from '../defrag/rule.js';

export const SAFE_FLAGS = [
  {
    name: 'safe',
    kind: 'bool' as const,
    def: 'false',
    help: 'etcdctl-ts: check every member first, followers before the leader, wait for each to catch up (implied by the flags below)',
  },
  {
    name: 'move-leader',
    kind: 'bool' as const,
    def: 'false',
    help: 'etcdctl-ts (--safe): hand leadership to the most caught-up follower before the leader is defragmented',
  },
  { name: 'wait-between-defrags', kind: 'duration' as const, def: '0s', help: 'etcdctl-ts (--safe): a pause after each member has caught up' },
  {
    name: 'defrag-rule',
    kind: 'string' as const,
    def: '',
    help: 'etcdctl-ts (--safe): defragment a member only where this holds, e.g. "dbSizeFree > 100MiB || dbQuotaUsage > 0.8"',
  },
  {
    name: 'etcd-storage-quota-bytes',
    kind: 'int' as const,
    def: String(2 * 1024 ** 3),
    help: 'etcdctl-ts (--safe): the quota dbQuota means (etcd --quota-backend-bytes) where the server does not report its own (before 3.6)',
  },
  { name: 'compaction', kind: 'bool' as const, def: 'false', help: 'etcdctl-ts (--safe): compact to the current revision first' },
  { name: 'dry-run', kind: 'bool' as const, def: 'false', help: 'etcdctl-ts (--safe): print the plan, change nothing' },
  {
    name: 'auto-disalarm',
    kind: 'bool' as const,
    def: 'false',
    help: 'etcdctl-ts (--safe): afterwards, disarm NOSPACE if every member is below --disalarm-threshold of its quota',
  },
  {
    name: 'disalarm-threshold',
    kind: 'string' as const,
    def: '0.9',
    help: 'etcdctl-ts (--safe): the share of the quota --auto-disalarm wants every member below',
  },
  { name: 'continue-on-error', kind: 'bool' as const, def: 'false', help: 'etcdctl-ts (--safe): go on with the next members after a failure' },
];

// Any of the flags above, set: each implies --safe.
export function wantsSafe(f: Flags): boolean {
  return SAFE_FLAGS.some((s) => (s.kind === 'bool' ? f[s.name] === true : s.kind === 'duration' ? (f[s.name] as number) > 0 : String(f[s.name]) !== s.def));
}

interface Target {
  member: Member;
  endpoint: string;
  client?: EtcdClient;
  status?: StatusResponse;
  problems: string[];
  leader: boolean;
  planned: boolean;
  // Place in the order, from 1; 0 when not defragmented.
  order: number;
  before?: bigint;
  after?: bigint;
  tookMs?: number;
  result?: string;
}

const hex = (id: bigint) => id.toString(16);
// 3.6+ servers report their own quota; the flag stands in for older ones.
const quotaOf = (s: StatusResponse, flag: number): number => (s.dbSizeQuota > 0n ? Number(s.dbSizeQuota) : flag);
const sizes = (s: StatusResponse, flag: number): Variables => {
  const quota = quotaOf(s, flag);
  const dbSize = Number(s.dbSize);
  const dbSizeInUse = Number(s.dbSizeInUse);
  return { dbSize, dbSizeInUse, dbSizeFree: dbSize - dbSizeInUse, dbQuota: quota, dbQuotaUsage: quota > 0 ? dbSize / quota : 0 };
};

export async function safeDefrag(ctx: Context, f: Flags): Promise<void> {
  let rule: Rule | undefined;
  try {
    rule = f['defrag-rule'] ? parseRule(f['defrag-rule'] as string) : undefined;
  } catch (e) {
    if (e instanceof RuleError) throw new CliError(`--defrag-rule: ${e.message}`, ExitCode.BadArgs);
    throw e;
  }
  const threshold = Number(f['disalarm-threshold']);
  if (!(threshold > 0 && threshold <= 1))
    throw new CliError(`--disalarm-threshold must be a number above 0 and at most 1, not ${JSON.stringify(f['disalarm-threshold'])}`, ExitCode.BadArgs);
  const quota = Number(f['etcd-storage-quota-bytes'] as bigint);
  const json = ctx.settings.format === 'json';
  const say = (s: string) => {
    if (!json) {
      stdout.write(s);
      stdout.flush();
    }
  };

  // Members, each reached through its own connection.
  const first = await ctx.clientFor(await ctx.endpoints());
  const members = (await first.memberList({ deadline: ctx.commandDeadline() })).members;
  const targets: Target[] = members.map((m) => ({ member: m, endpoint: m.clientURLs[0] ?? '', problems: [], leader: false, planned: false, order: 0 }));
  await Promise.all(targets.map((t) => preflight(ctx, t)));
  const alarms = (await first.alarm(AlarmAction.Get, 0n, AlarmType.None, { deadline: ctx.commandDeadline() })).alarms;
  for (const a of alarms) {
    // NOSPACE is what defragmentation cures; anything else stops it.
    if (a.alarm === AlarmType.NoSpace) continue;
    const t = targets.find((x) => x.member.ID === a.memberID);
    const what = a.alarm === AlarmType.Corrupt ? 'CORRUPT' : `alarm ${a.alarm}`;
    if (t) t.problems.push(`${what} alarm raised`);
    else throw new CliError(`refusing to defragment: ${what} alarm raised by member ${hex(a.memberID)}`, ExitCode.Error);
  }
  const leaderId = targets.find((t) => t.status && t.status.leader !== 0n)?.status?.leader ?? 0n;
  for (const t of targets) t.leader = t.member.ID === leaderId;
  const broken = targets.filter((t) => t.problems.length > 0);
  if (broken.length > 0) {
    for (const t of broken) process.stderr.write(`etcdctl-ts: member ${t.member.name || hex(t.member.ID)} (${t.endpoint}): ${t.problems.join('; ')}\n`);
    throw new CliError(
      `refusing to defragment: ${broken.length} of ${targets.length} members ${broken.length === 1 ? 'is' : 'are'} not healthy; no member was touched`,
      ExitCode.Error,
    );
  }

  // Followers first (largest first), the leader last; learners are left out.
  const voters = targets.filter((t) => !t.member.isLearner);
  for (const t of voters) t.planned = !rule || rule.test(sizes(t.status!, quota));
  const order = voters.filter((t) => t.planned).sort((a, b) => Number(a.leader) - Number(b.leader) || Number(b.status!.dbSize - a.status!.dbSize));
  for (const [i, t] of order.entries()) t.order = i + 1;
  const plan = () =>
    drawTable(
      'table',
      ['ORDER', 'ENDPOINT', 'ID', 'ROLE', 'DB SIZE', 'IN USE', 'FREE', 'RULE'],
      targets.map((t) => {
        const v = t.status ? sizes(t.status, quota) : undefined;
        return [
          t.order ? String(t.order) : '-',
          t.endpoint,
          hex(t.member.ID),
          t.member.isLearner ? 'learner (skipped)' : t.leader ? 'leader' : 'follower',
          v ? humanizeBytes(v.dbSize) : '',
          v ? humanizeBytes(v.dbSizeInUse) : '',
          v ? humanizeBytes(v.dbSizeFree) : '',
          t.member.isLearner ? '' : rule ? (t.planned ? 'holds' : 'does not hold') : 'no rule',
        ];
      }),
    );
  say(plan());
  if (f['dry-run']) {
    if (json) stdout.write(`${jsonText(report(targets, true, quota))}\n`);
    return;
  }

  if (f.compaction) {
    const rev = (await first.range({ key: Buffer.from('health') }, { deadline: ctx.commandDeadline() })).header!.revision;
    await first.compact(rev, true, { deadline: ctx.commandDeadline() });
    say(`Compacted to revision ${rev}\n`);
  }

  let failed = 0;
  for (const t of order) {
    if (failed > 0 && !f['continue-on-error']) {
      t.result = 'not started';
      continue;
    }
    try {
      if (t.leader && f['move-leader']) {
        const to = await handOff(ctx, t, voters);
        say(`Moved leadership from ${t.member.name} to ${to.member.name}\n`);
        t.leader = false;
      }
      await defragOne(ctx, t, targets);
      t.result = 'done';
      say(
        `Defragmented member ${t.member.name} (${hex(t.member.ID)}) at ${t.endpoint}: ${humanizeBytes(Number(t.before))} → ${humanizeBytes(Number(t.after))} in ${goDuration(BigInt(t.tookMs!) * 1000000n)}\n`,
      );
      const pause = f['wait-between-defrags'] as number;
      if (pause > 0 && t !== order.at(-1)) await new Promise((r) => setTimeout(r, pause));
    } catch (e) {
      failed++;
      t.result = `failed: ${(e as Error).message}`;
      process.stderr.write(`Failed to defragment member ${t.member.name} (${hex(t.member.ID)}) at ${t.endpoint}: ${(e as Error).message}\n`);
    }
  }

  if (f['auto-disalarm'] && failed === 0 && alarms.some((a) => a.alarm === AlarmType.NoSpace)) {
    await Promise.all(targets.map((t) => preflight(ctx, t)));
    const full = targets.filter((t) => !t.status || Number(t.status.dbSize) >= threshold * quotaOf(t.status, quota));
    if (full.length === 0) {
      for (const a of alarms.filter((x) => x.alarm === AlarmType.NoSpace))
        await first.alarm(AlarmAction.Deactivate, a.memberID, AlarmType.NoSpace, { deadline: ctx.commandDeadline() });
      say('Disarmed the NOSPACE alarm\n');
    } else say(`NOSPACE alarm left armed: ${full.map((t) => t.member.name).join(', ')} still at or above ${threshold} of the quota\n`);
  }

  if (json) stdout.write(`${jsonText(report(targets, false, quota))}\n`);
  else
    say(
      drawTable(
        'table',
        ['ENDPOINT', 'ID', 'BEFORE', 'AFTER', 'TOOK', 'RESULT'],
        targets.map((t) => [
          t.endpoint,
          hex(t.member.ID),
          t.before !== undefined ? humanizeBytes(Number(t.before)) : '',
          t.after !== undefined ? humanizeBytes(Number(t.after)) : '',
          t.tookMs !== undefined ? goDuration(BigInt(t.tookMs) * 1000000n) : '',
          t.result ?? (t.member.isLearner ? 'learner, skipped' : 'rule does not hold'),
        ]),
      ),
    );
  for (const t of targets) t.client?.close();
  if (failed > 0) throw new CliError('', ExitCode.Error).silent();
}

// Reachable, serving linearizable reads (permission denied still means it
// answered), and its status.
async function preflight(ctx: Context, t: Target): Promise<void> {
  t.problems = [];
  if (!t.endpoint) {
    t.problems.push('no client URL');
    return;
  }
  try {
    t.client ??= await ctx.clientFor([t.endpoint]);
    t.status = await t.client.status({ deadline: ctx.commandDeadline() });
    if (!t.member.isLearner) {
      try {
        await t.client.range({ key: Buffer.from('health') }, { deadline: ctx.commandDeadline() });
      } catch (e) {
        if (!/permission denied/.test((e as Error).message)) throw e;
      }
    }
  } catch (e) {
    t.problems.push(`unreachable or not serving: ${(e as Error).message}`);
  }
}

// Leadership to the follower that has applied the most.
async function handOff(ctx: Context, from: Target, voters: Target[]): Promise<Target> {
  const candidates = voters.filter((t) => t !== from);
  await Promise.all(candidates.map((t) => preflight(ctx, t)));
  const to = candidates.filter((t) => t.problems.length === 0).sort((a, b) => Number(b.status!.raftAppliedIndex - a.status!.raftAppliedIndex))[0];
  if (!to) throw new Error('no healthy follower to hand leadership to');
  await from.client!.moveLeader(to.member.ID, { deadline: ctx.commandDeadline() });
  return to;
}

async function defragOne(ctx: Context, t: Target, all: Target[]): Promise<void> {
  const progress = await startProgress(`Defragmenting ${t.member.name} (${t.endpoint})`);
  try {
    const started = Date.now();
    t.before = (await t.client!.status({ deadline: ctx.commandDeadline() })).dbSize;
    await t.client!.defragment({ deadline: ctx.commandDeadline() });
    // Back in service: a linearizable read answered, and applied as far
    // as the leader had when the wait began.
    progress.update(`Waiting for ${t.member.name} to catch up`);
    const leader = all.find((x) => x !== t && x.leader) ?? t;
    const target = (await leader.client!.status({ deadline: ctx.commandDeadline() })).raftIndex;
    const until = ctx.commandDeadline() + 30000;
    for (;;) {
      try {
        await t.client!.range({ key: Buffer.from('health') }, { deadline: ctx.commandDeadline() });
        const s = await t.client!.status({ deadline: ctx.commandDeadline() });
        if (s.raftAppliedIndex >= target) {
          t.after = s.dbSize;
          break;
        }
      } catch (e) {
        if (Date.now() > until) throw e;
      }
      if (Date.now() > until) throw new Error('did not catch up with the leader in time');
      await new Promise((r) => setTimeout(r, 100));
    }
    t.tookMs = Date.now() - started;
  } finally {
    progress.done();
  }
}

function report(targets: Target[], dryRun: boolean, quota: number): JsonObject {
  return {
    dryRun,
    members: targets.map((t) => ({
      id: t.member.ID,
      idHex: hex(t.member.ID),
      name: t.member.name,
      endpoint: t.endpoint,
      role: t.member.isLearner ? 'learner' : t.leader ? 'leader' : 'follower',
      order: t.order,
      dbSize: t.status?.dbSize ?? null,
      dbSizeInUse: t.status?.dbSizeInUse ?? null,
      dbQuota: t.status ? quotaOf(t.status, quota) : null,
      before: t.before ?? null,
      after: t.after ?? null,
      tookMs: t.tookMs ?? null,
      result: t.result ?? (t.order ? 'planned' : 'skipped'),
    })),
  };
}
