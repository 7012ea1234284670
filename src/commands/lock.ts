// lock and elect, on etcd's concurrency recipes (src/client/recipes.ts).
import { bytes } from '../base/bytes.js';
import { CliError, ExitCode } from '../base/errors.js';
import type { Context } from '../cli/global.js';
import type { CommandDef } from '../cli/registry.js';
import { campaign, lock, observe, Session, unlock } from '../client/recipes.js';
import type { RangeResponse } from '../client/types.js';
import { stdout } from '../output/out.js';

const bad = (msg: string) => new CliError(msg, ExitCode.BadArgs);

// An AbortSignal raised by SIGINT or SIGTERM, and a way to stop listening.
function interrupts(): { signal: AbortSignal; interrupted: Promise<void>; release: () => void } {
  const ac = new AbortController();
  const on = () => ac.abort();
  process.once('SIGINT', on);
  process.once('SIGTERM', on);
  const interrupted = new Promise<void>((resolve) => ac.signal.addEventListener('abort', () => resolve(), { once: true }));
  return {
    signal: ac.signal,
    interrupted,
    release: () => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
    },
  };
}

// Runs the command with the lock's key and revision in its environment;
// resolves with its exit code (3.5+: etcdctl exits with it).
function runHeld(argv: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    // Loaded only here: most runs never start a program.
    const { spawn } = require('node:child_process') as typeof import('node:child_process');
    const child = spawn(argv[0]!, argv.slice(1), { stdio: 'inherit', env: { ...env, ...process.env } });
    child.on('error', (e: NodeJS.ErrnoException) => {
      const name = argv[0]!;
      if (e.code === 'ENOENT')
        reject(new CliError(name.includes('/') ? `fork/exec ${name}: no such file or directory` : `exec: "${name}": executable file not found in $PATH`));
      else reject(new CliError(`fork/exec ${name}: ${e.message}`));
    });
    child.on('exit', (code, sig) => resolve(code ?? 128 + (sig === 'SIGKILL' ? 9 : sig === 'SIGTERM' ? 15 : 2)));
  });
}

function printKey(ctx: Context, resp: RangeResponse): void {
  ctx.printer().get(resp);
  stdout.flush();
}

export const lockCommand: CommandDef = {
  name: 'lock',
  usage: 'lock <lockname> [exec-command arg1 arg2 ...]',
  summary: 'Acquires a named lock',
  flags: [{ name: 'ttl', kind: 'int', def: '10', help: 'timeout for session' }],
  async run(ctx, args, f) {
    if (args.length === 0) throw bad('lock takes a lock name argument and an optional command to execute');
    const client = await ctx.client();
    const session = await Session.create(client, Number(f.ttl));
    const sig = interrupts();
    try {
      const held = await lock(client, session, args[0]!, sig.signal);
      if (args.length > 1) {
        const code = await runHeld(args.slice(1), { ETCD_LOCK_KEY: held.key.toString(), ETCD_LOCK_REV: String(held.header?.revision ?? 0n) });
        await unlock(client, held);
        if (code !== 0) throw new CliError(`exit status ${code}`, code);
        return;
      }
      const resp = await client.range({ key: held.key }, { signal: sig.signal });
      if (resp.kvs.length === 0) throw new CliError('lock lost on init');
      printKey(ctx, resp);
      const expired = await Promise.race([sig.interrupted.then(() => false), session.expired.then(() => true)]);
      if (expired) throw new CliError('session expired');
      await unlock(client, held);
    } catch (e) {
      if (sig.signal.aborted && !(e instanceof CliError)) throw new CliError('context canceled');
      throw e;
    } finally {
      sig.release();
      await session.close();
    }
  },
};

export const electCommand: CommandDef = {
  name: 'elect',
  usage: 'elect <election-name> [proposal]',
  summary: 'Observes and participates in leader election',
  flags: [{ name: 'listen', short: 'l', kind: 'bool', def: 'false', help: 'observation mode' }],
  async run(ctx, args, f) {
    if (args.length !== 1 && args.length !== 2) throw bad('elect takes one election name argument and an optional proposal argument');
    if (f.listen && args.length === 2) throw bad('proposal given but -l is set');
    if (!f.listen && args.length === 1) throw bad('no proposal argument but -l not set');
    const client = await ctx.client();
    const sig = interrupts();
    try {
      if (f.listen) {
        await observe(client, args[0]!, (r) => printKey(ctx, r), sig.signal).catch((e) => {
          if (!sig.signal.aborted) throw e;
        });
        return;
      }
      const session = await Session.create(client, 60);
      try {
        const held = await campaign(client, session, args[0]!, bytes(args[1]!), sig.signal);
        const resp = await client.range({ key: held.key }, { signal: sig.signal });
        printKey(ctx, resp);
        const expired = await Promise.race([sig.interrupted.then(() => false), session.expired.then(() => true)]);
        if (expired) throw new CliError('elect: session expired');
        await unlock(client, held);
      } finally {
        await session.close();
      }
    } catch (e) {
      if (sig.signal.aborted && !(e instanceof CliError)) throw new CliError('context canceled');
      throw e;
    } finally {
      sig.release();
    }
  },
};
