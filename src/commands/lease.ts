// lease grant|revoke|timetolive|list|keep-alive.
import { CliError, ExitCode, failWith } from '../base/errors.js';
import type { Context } from '../cli/global.js';
import type { CommandDef } from '../cli/registry.js';
import { parseInt64, ValueError } from '../cli/values.js';
import { LeasePrinter } from '../output/lease.js';
import { stdout } from '../output/out.js';
import { hexId16 } from '../base/gofmt.js';

const bad = (msg: string) => new CliError(msg, ExitCode.BadArgs);
const printer = (ctx: Context) => new LeasePrinter(ctx.settings.format);

export function leaseFromArg(arg: string): bigint {
  try {
    return parseInt64(arg, 16);
  } catch (e) {
    if (e instanceof ValueError) throw bad(`bad lease ID arg (${e.message}), expecting ID in Hex`);
    throw e;
  }
}

const grant: CommandDef = {
  name: 'grant',
  usage: 'grant <ttl>',
  summary: 'Creates leases',
  flags: [],
  async run(ctx, args) {
    if (args.length !== 1) throw bad('lease grant command needs TTL argument');
    let ttl: bigint;
    try {
      ttl = parseInt64(args[0]!);
    } catch (e) {
      throw bad(`bad TTL (${(e as Error).message})`);
    }
    const client = await ctx.client();
    try {
      printer(ctx).grant(await client.leaseGrant(ttl, 0n, { deadline: ctx.commandDeadline() }));
    } catch (e) {
      throw failWith(e, ExitCode.Error, (m) => `failed to grant lease (${m})`);
    }
  },
};

const revoke: CommandDef = {
  name: 'revoke',
  usage: 'revoke <leaseID>',
  summary: 'Revokes leases',
  flags: [],
  async run(ctx, args) {
    if (args.length !== 1) throw bad('lease revoke command needs 1 argument');
    const id = leaseFromArg(args[0]!);
    const client = await ctx.client();
    let resp;
    try {
      resp = await client.leaseRevoke(id, { deadline: ctx.commandDeadline() });
    } catch (e) {
      throw failWith(e, ExitCode.Error, (m) => `failed to revoke lease (${m})`);
    }
    printer(ctx).revoke(id, resp);
  },
};

const timetolive: CommandDef = {
  name: 'timetolive',
  usage: 'timetolive <leaseID> [options]',
  summary: 'Get lease information',
  flags: [{ name: 'keys', kind: 'bool', def: 'false', help: 'Get keys attached to this lease' }],
  async run(ctx, args, f) {
    if (args.length !== 1) throw bad('lease timetolive command needs lease ID as argument');
    const id = leaseFromArg(args[0]!);
    const client = await ctx.client();
    let resp;
    try {
      resp = await client.leaseTimeToLive(id, Boolean(f.keys));
    } catch (e) {
      throw failWith(e, ExitCode.BadConnection);
    }
    printer(ctx).timeToLive(resp, Boolean(f.keys));
  },
};

const list: CommandDef = {
  name: 'list',
  usage: 'list',
  summary: 'List all active leases',
  flags: [],
  async run(ctx) {
    const client = await ctx.client();
    let resp;
    try {
      resp = await client.leaseLeases();
    } catch (e) {
      throw failWith(e, ExitCode.BadConnection);
    }
    printer(ctx).leases(resp);
  },
};

// Renews until the lease is gone or the user interrupts; every renewal is
// printed (and flushed) as it arrives.
const keepAlive: CommandDef = {
  name: 'keep-alive',
  usage: 'keep-alive [options] <leaseID>',
  summary: 'Keeps leases alive (renew)',
  flags: [{ name: 'once', kind: 'bool', def: 'false', help: 'Resets the keep-alive time to its original value and exits immediately' }],
  async run(ctx, args, f) {
    if (args.length !== 1) throw bad('lease keep-alive command needs lease ID as argument');
    const id = leaseFromArg(args[0]!);
    const client = await ctx.client();
    const p = printer(ctx);
    if (f.once) {
      try {
        p.keepAlive(await client.leaseKeepAliveOnce(id));
      } catch (e) {
        throw failWith(e, ExitCode.BadConnection);
      }
      return;
    }
    const stop = new AbortController();
    let signal = 0;
    const onSignal = (name: NodeJS.Signals) => {
      signal = name === 'SIGINT' ? 2 : 15;
      stop.abort();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    let outcome;
    try {
      outcome = await client.leaseKeepAlive(
        id,
        (r) => {
          p.keepAlive(r);
          stdout.flush();
        },
        stop.signal,
      );
    } catch (e) {
      throw failWith(e, ExitCode.BadConnection);
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    // etcdctl dies on the signal itself; the shell sees 130 / 143.
    if (outcome === 'stopped') {
      stdout.flush();
      process.exit(128 + signal);
    }
    if (ctx.settings.format === 'simple') stdout.write(`lease ${hexId16(id)} expired or revoked.\n`);
  },
};

export const leaseCommand: CommandDef = {
  name: 'lease',
  usage: 'lease <subcommand>',
  summary: 'Lease related commands',
  flags: [],
  subcommands: [grant, revoke, timetolive, list, keepAlive],
};
