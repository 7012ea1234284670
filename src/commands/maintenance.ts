// alarm list|disarm and move-leader.
import { CliError, ExitCode, failWith } from '../base/errors.js';
import type { CommandDef } from '../cli/registry.js';
import { parseUint64, ValueError } from '../cli/values.js';
import { AlarmAction, AlarmType, type AlarmResponse } from '../client/types.js';
import { ClusterPrinter } from '../output/cluster.js';

const bad = (msg: string) => new CliError(msg, ExitCode.BadArgs);

const alarmList: CommandDef = {
  name: 'list',
  usage: 'list',
  summary: 'Lists all alarms',
  flags: [],
  async run(ctx, args) {
    if (args.length !== 0) throw bad('alarm list command accepts no arguments');
    const client = await ctx.client();
    new ClusterPrinter(ctx.settings.format).alarm(await client.alarm(AlarmAction.Get, 0n, AlarmType.None, { deadline: ctx.commandDeadline() }));
  },
};

// Disarms every raised alarm, one request each, as clientv3 does for an
// empty AlarmMember; the result carries no header.
const alarmDisarm: CommandDef = {
  name: 'disarm',
  usage: 'disarm',
  summary: 'Disarms all alarms',
  flags: [],
  async run(ctx, args) {
    if (args.length !== 0) throw bad('alarm disarm command accepts no arguments');
    const client = await ctx.client();
    const deadline = ctx.commandDeadline();
    const raised = await client.alarm(AlarmAction.Get, 0n, AlarmType.None, { deadline });
    const result: AlarmResponse = { alarms: [] };
    for (const a of raised.alarms) {
      const r = await client.alarm(AlarmAction.Deactivate, a.memberID, a.alarm, { deadline });
      result.alarms.push(...r.alarms);
    }
    new ClusterPrinter(ctx.settings.format).alarm(result);
  },
};

export const alarmCommand: CommandDef = {
  name: 'alarm',
  usage: 'alarm <subcommand>',
  summary: 'Alarm related commands',
  flags: [],
  subcommands: [alarmDisarm, alarmList],
};

// Finds the leader among --endpoints (asking each in turn, one deadline for
// the whole command) and asks it to hand leadership to the target.
export const moveLeaderCommand: CommandDef = {
  name: 'move-leader',
  usage: 'move-leader <transferee-member-id>',
  summary: 'Transfers leadership to another etcd cluster member.',
  flags: [],
  async run(ctx, args) {
    if (args.length !== 1) throw bad('move-leader command needs 1 argument');
    let target: bigint;
    try {
      target = parseUint64(args[0]!, 16);
    } catch (e) {
      if (e instanceof ValueError) throw bad(e.message);
      throw e;
    }
    const deadline = ctx.commandDeadline();
    const endpoints = await ctx.endpoints();
    for (const ep of endpoints) {
      const client = await ctx.clientFor([ep]);
      let status;
      try {
        status = await client.status({ deadline });
      } catch (e) {
        throw failWith(e, ExitCode.Error);
      }
      if (status.header?.member_id !== status.leader) continue;
      const resp = await client.moveLeader(target, { deadline });
      new ClusterPrinter(ctx.settings.format).moveLeader(status.leader, target, resp);
      return;
    }
    throw bad(`no leader endpoint given at [${endpoints.join(' ')}]`);
  },
};
