// member list|add|remove|update|promote.
import { CliError, ExitCode } from '../base/errors.js';
import type { Context } from '../cli/global.js';
import type { CommandDef } from '../cli/registry.js';
import { parseUint64, ValueError } from '../cli/values.js';
import { ClusterPrinter } from '../output/cluster.js';
import { goQuote } from '../base/gofmt.js';
import { stdout } from '../output/out.js';

const bad = (msg: string) => new CliError(msg, ExitCode.BadArgs);
const printer = (ctx: Context) => new ClusterPrinter(ctx.settings.format);

function memberId(args: string[]): bigint {
  if (args.length !== 1) throw bad('member ID is not provided');
  try {
    return parseUint64(args[0]!, 16);
  } catch (e) {
    if (e instanceof ValueError) throw bad(`bad member ID arg (${e.message}), expecting ID in Hex`);
    throw e;
  }
}

function peerUrls(raw: unknown): string[] {
  if (!raw) throw bad('member peer urls not provided');
  return (raw as string).split(',');
}

const PEER_URLS = { name: 'peer-urls', kind: 'string' as const, def: '', help: 'comma separated peer URLs for the new member.' };

const listCommand: CommandDef = {
  name: 'list',
  usage: 'list',
  summary: 'Lists all members in the cluster',
  description: 'With --write-out=simple, one comma-separated line per member: ID, status, name, peer URLs, client URLs, is learner.',
  flags: [{ name: 'consistency', kind: 'string', def: 'l', help: 'Linearizable(l) or Serializable(s), as etcdctl 3.6 has it' }],
  async run(ctx, _args, f) {
    const c = f.consistency as string;
    // etcdctl 3.6 names get's default here, not the value given; this names the value.
    if (c !== 'l' && c !== 's') throw new CliError(`unknown consistency flag ${goQuote(c)}`, ExitCode.BadFeature);
    const client = await ctx.client();
    printer(ctx).memberList(await client.memberList({ deadline: ctx.commandDeadline() }, c === 'l'));
  },
};

const addCommand: CommandDef = {
  name: 'add',
  usage: 'add <memberName> [options]',
  summary: 'Adds a member into the cluster',
  flags: [PEER_URLS, { name: 'learner', kind: 'bool', def: 'false', help: 'indicates if the new member is raft learner' }],
  async run(ctx, args, f) {
    if (args.length < 1) throw bad('member name not provided');
    if (args.length > 1) {
      let msg = 'too many arguments';
      for (const a of args.slice(1)) if (a.toLowerCase().startsWith('http')) msg += `, did you mean --peer-urls=${a}`;
      throw bad(msg);
    }
    const name = args[0]!;
    const urls = peerUrls(f['peer-urls']);
    const client = await ctx.client();
    const resp = await client.memberAdd(urls, Boolean(f.learner), { deadline: ctx.commandDeadline() });
    const newId = resp.member?.ID ?? 0n;
    printer(ctx).memberChange(newId, 'added to', resp);
    if (ctx.settings.format !== 'simple') return;
    // The member that answered the add has the new member in its list;
    // read from the same one so ETCD_INITIAL_CLUSTER is complete.
    const deadline = ctx.commandDeadline();
    let list = await client.memberList({ deadline });
    while (list.header?.member_id !== resp.header?.member_id) {
      await client.range({ key: Buffer.from('_') }, { deadline });
      list = await client.memberList({ deadline });
    }
    const conf: string[] = [];
    for (const m of list.members) for (const u of m.peerURLs) conf.push(`${m.ID === newId ? name : m.name}=${u}`);
    stdout.write(
      `\nETCD_NAME=${goQuote(name)}\nETCD_INITIAL_CLUSTER=${goQuote(conf.join(','))}\n` +
        `ETCD_INITIAL_ADVERTISE_PEER_URLS=${goQuote(f['peer-urls'] as string)}\nETCD_INITIAL_CLUSTER_STATE="existing"\n`,
    );
  },
};

const removeCommand: CommandDef = {
  name: 'remove',
  usage: 'remove <memberID>',
  summary: 'Removes a member from the cluster',
  flags: [],
  async run(ctx, args) {
    const id = memberId(args);
    const client = await ctx.client();
    printer(ctx).memberChange(id, 'removed from', await client.memberRemove(id, { deadline: ctx.commandDeadline() }));
  },
};

const updateCommand: CommandDef = {
  name: 'update',
  usage: 'update <memberID> [options]',
  summary: 'Updates a member in the cluster',
  flags: [{ ...PEER_URLS, help: 'comma separated peer URLs for the updated member.' }],
  async run(ctx, args, f) {
    const id = memberId(args);
    const urls = peerUrls(f['peer-urls']);
    const client = await ctx.client();
    printer(ctx).memberChange(id, 'updated in', await client.memberUpdate(id, urls, { deadline: ctx.commandDeadline() }));
  },
};

const promoteCommand: CommandDef = {
  name: 'promote',
  usage: 'promote <memberID>',
  summary: 'Promotes a non-voting member in the cluster',
  description: 'Turns a learner (a member without a vote) into a voting member.',
  flags: [],
  async run(ctx, args) {
    const id = memberId(args);
    const client = await ctx.client();
    printer(ctx).memberChange(id, 'promoted in', await client.memberPromote(id, { deadline: ctx.commandDeadline() }));
  },
};

export const memberCommand: CommandDef = {
  name: 'member',
  usage: 'member <subcommand>',
  summary: 'Membership related commands',
  flags: [],
  subcommands: [addCommand, removeCommand, updateCommand, listCommand, promoteCommand],
};
