// endpoint health|status|hashkv and defrag: commands that address every
// member on its own, through a client of its own, in etcdctl's order.
import { CliError, ExitCode, failWith } from '../base/errors.js';
import type { Context } from '../cli/global.js';
import type { CommandDef } from '../cli/registry.js';
import { safeDefrag, SAFE_FLAGS, wantsSafe } from './defrag-safe.js';
import type { EtcdError } from '../client/etcd.js';
import { AlarmType } from '../client/types.js';
import { ClusterPrinter, type EndpointHash, type EndpointHealth, type EndpointStatus } from '../output/cluster.js';
import { stdout } from '../output/out.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const CLUSTER_FLAG = { name: 'cluster', kind: 'bool' as const, def: 'false', help: 'use all endpoints from the cluster member list' };

// --endpoints (or those --discovery-srv found), or with --cluster every
// member's client URLs. etcdctl's status, hashkv and defrag make a client
// first, so no endpoints fails there with exit code 2; health checks none.
async function targets(ctx: Context, cluster: boolean, strict = true): Promise<string[]> {
  const endpoints = strict ? await ctx.endpoints() : (await ctx.config()).endpoints;
  if (!cluster) return endpoints;
  // Logged in: MemberList needs an authenticated user on etcd 3.5.28+,
  // 3.6.9+ and 3.7 with auth on (as etcdctl 3.5.29 and 3.6.10 log in too).
  const c = await ctx.clientFor(endpoints);
  try {
    const list = await c.memberList({ deadline: ctx.commandDeadline() });
    return list.members.flatMap((m) => m.clientURLs);
  } catch (e) {
    throw failWith(e, ExitCode.Error, (m) => `failed to fetch endpoints from etcd cluster member list: ${m}`);
  }
}

// A per-endpoint failure line, with our explanation of it underneath.
function reportFailure(line: string | undefined, e: unknown): void {
  let s = line === undefined ? '' : `${line}\n`;
  for (const h of (e as EtcdError).hints ?? []) s += `etcdctl-ts: ${h}\n`;
  process.stderr.write(s);
}

const ALARM_WORDS: Record<number, string> = { [AlarmType.NoSpace]: 'NOSPACE ', [AlarmType.Corrupt]: 'CORRUPT ' };

async function checkHealth(ctx: Context, ep: string): Promise<EndpointHealth> {
  let client;
  try {
    client = await ctx.clientFor([ep]);
  } catch (e) {
    return { ep, health: false, tookNs: 0n, error: (e as Error).message };
  }
  const start = process.hrtime.bigint();
  const took = () => process.hrtime.bigint() - start;
  const deadline = ctx.commandDeadline();
  try {
    await client.range({ key: Buffer.from('health') }, { deadline });
  } catch (e) {
    // A denied read still went through consensus.
    if ((e as Error).message !== 'etcdserver: permission denied') {
      reportFailure(undefined, e);
      return { ep, health: false, tookNs: took(), error: (e as Error).message };
    }
  }
  const h: EndpointHealth = { ep, health: true, tookNs: took(), error: '' };
  try {
    const alarms = await client.alarm(0, 0n, 0, { deadline });
    if (alarms.alarms.length > 0) {
      h.health = false;
      h.error = `Active Alarm(s): ${alarms.alarms.map((a) => ALARM_WORDS[a.alarm] ?? 'UNKNOWN ').join('')}`;
    }
  } catch {
    h.health = false;
    h.error = 'Unable to fetch the alarm list';
  }
  return h;
}

const healthCommand: CommandDef = {
  name: 'health',
  usage: 'health',
  summary: 'Checks the healthiness of endpoints specified in `--endpoints` flag',
  flags: [],
  async run(ctx) {
    const list: EndpointHealth[] = [];
    // Reported in the order the checks finish, as etcdctl does.
    await Promise.all((await targets(ctx, Boolean(ctx.settings.inherited.cluster), false)).map(async (ep) => list.push(await checkHealth(ctx, ep))));
    new ClusterPrinter(ctx.settings.format).endpointHealth(list);
    if (list.some((h) => h.error !== '')) throw new CliError('unhealthy cluster', ExitCode.Error);
  },
};

const statusCommand: CommandDef = {
  name: 'status',
  usage: 'status',
  summary: 'Prints out the status of endpoints specified in `--endpoints` flag',
  description:
    'When --write-out is set to simple, this command prints out comma-separated status lists for each endpoint.\n' +
    'The items in the lists are endpoint, ID, version, db size, is leader, is learner, raft term, raft index, raft applied index, errors.\n',
  flags: [],
  async run(ctx) {
    const list: EndpointStatus[] = [];
    let failed = false;
    for (const ep of await targets(ctx, Boolean(ctx.settings.inherited.cluster))) {
      try {
        const client = await ctx.clientFor([ep]);
        list.push({ ep, resp: await client.status({ deadline: ctx.commandDeadline() }) });
      } catch (e) {
        failed = true;
        reportFailure(`Failed to get the status of endpoint ${ep} (${(e as Error).message})`, e);
      }
    }
    new ClusterPrinter(ctx.settings.format).endpointStatus(list);
    if (failed) throw new CliError('', ExitCode.Error).silent();
  },
};

const hashkvCommand: CommandDef = {
  name: 'hashkv',
  usage: 'hashkv',
  summary: 'Prints the KV history hash for each endpoint in --endpoints',
  flags: [{ name: 'rev', kind: 'int', def: '0', help: 'maximum revision to hash (default: all revisions)' }],
  async run(ctx, _args, f) {
    const list: EndpointHash[] = [];
    let failure: unknown;
    for (const ep of await targets(ctx, Boolean(ctx.settings.inherited.cluster))) {
      try {
        const client = await ctx.clientFor([ep]);
        list.push({ ep, resp: await client.hashKV(f.rev as bigint, { deadline: ctx.commandDeadline() }) });
      } catch (e) {
        failure = e;
        reportFailure(`Failed to get the hash of endpoint ${ep} (${(e as Error).message})`, e);
      }
    }
    new ClusterPrinter(ctx.settings.format).endpointHashKV(list);
    if (failure) throw new CliError((failure as Error).message, ExitCode.Error);
  },
};

export const endpointCommand: CommandDef = {
  name: 'endpoint',
  usage: 'endpoint <subcommand>',
  summary: 'Endpoint related commands',
  flags: [],
  persistentFlags: [CLUSTER_FLAG],
  subcommands: [healthCommand, statusCommand, hashkvCommand],
};

// One member at a time, each through its own connection: a member that
// fails is reported and skipped, never retried on another member.
export const defragCommand: CommandDef = {
  name: 'defrag',
  usage: 'defrag',
  summary: 'Defragments the storage of the etcd members with given endpoints',
  flags: [{ name: 'data-dir', kind: 'string', def: '', help: 'Optional. If present, defragments a data directory not in use by etcd.' }, ...SAFE_FLAGS],
  persistentFlags: [CLUSTER_FLAG],
  async run(ctx, _args, f) {
    if (wantsSafe(f)) {
      if (f['data-dir'])
        throw new CliError('--data-dir defragments a stopped member offline; --safe and its flags are for a running cluster', ExitCode.BadArgs);
      return safeDefrag(ctx, f);
    }
    if (f['data-dir']) return defragDataDir(f['data-dir'] as string);
    let failures = 0;
    for (const ep of await targets(ctx, Boolean(f.cluster))) {
      try {
        const client = await ctx.clientFor([ep]);
        await client.defragment({ deadline: ctx.commandDeadline() });
        stdout.write(`Finished defragmenting etcd member[${ep}]\n`);
        stdout.flush();
      } catch (e) {
        failures++;
        reportFailure(`Failed to defragment etcd member[${ep}] (${(e as Error).message})`, e);
      }
    }
    if (failures > 0) throw new CliError('', ExitCode.Error).silent();
  },
};

// Offline: rewrites <data-dir>/member/snap/db compactly while holding
// bbolt's lock, so a running etcd makes it wait, as etcdctl 3.4 does.
async function defragDataDir(dataDir: string): Promise<void> {
  const db = join(dataDir, 'member', 'snap', 'db');
  if (!existsSync(db)) throw new CliError(`cannot open database at ${db}: no such file or directory`);
  const { compactDb, withFileLock } = await import('../snapshot/compact.js');
  const waiting = () =>
    process.stderr.write(`waiting for etcd to close and release its lock on "${db}". To defrag a running etcd instance, omit --data-dir.\n`);
  try {
    await withFileLock(db, waiting, () => compactDb(db));
  } catch (e) {
    throw new CliError(`cannot defragment ${db}: ${(e as Error).message}`);
  }
}
