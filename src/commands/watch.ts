// watch: follows a key or range until interrupted or cancelled by the
// server, optionally running a command for every event.
import { rawEnv, text } from '../base/bytes.js';
import type { WatchCreateRequest, WatchResponse } from '../client/types.js';
import { EventType } from '../client/types.js';
import type { WatchHandle } from '../client/etcd.js';
import { CliError, ExitCode } from '../base/errors.js';
import { parseArgs } from '../cli/flags.js';
import type { Context } from '../cli/global.js';
import type { CommandDef, Flags } from '../cli/registry.js';
import { goQuote } from '../base/gofmt.js';
import { stdout } from '../output/out.js';
import { argify } from './goquote.js';
import { rangeOf } from './keys.js';

const bad = (msg: string) => new CliError(msg, ExitCode.BadArgs);

export interface WatchArgs {
  watchArgs: string[];
  execArgs: string[];
}

// Splits the words of a watch invocation at `--` and applies
// ETCDCTL_WATCH_KEY/ETCDCTL_WATCH_RANGE_END, with etcdctl's errors.
export function splitWatchArgs(positionals: string[], dashAt: number | undefined, env: NodeJS.ProcessEnv): WatchArgs {
  const envKey = rawEnv(env, 'ETCDCTL_WATCH_KEY');
  const envRange = rawEnv(env, 'ETCDCTL_WATCH_RANGE_END');
  if (envKey === '' && envRange !== '') throw bad(`ETCDCTL_WATCH_KEY is empty but got ETCDCTL_WATCH_RANGE_END=${JSON.stringify(envRange)}`);
  let watchArgs = dashAt === undefined ? positionals : positionals.slice(0, dashAt);
  const execArgs = dashAt === undefined ? [] : positionals.slice(dashAt);
  if (dashAt !== undefined && execArgs.length === 0) throw bad('bad number of arguments (found separator --, but no commands)');
  if (envKey !== '') {
    if (watchArgs.length > 0) throw bad('bad number of arguments (found conflicting environment key)');
    watchArgs = envRange !== '' ? [envKey, envRange] : [envKey];
  }
  if (watchArgs.length < 1 || watchArgs.length > 2) throw bad('bad number of arguments');
  return { watchArgs, execArgs };
}

export function buildWatch(watchArgs: string[], f: Flags): WatchCreateRequest {
  if (watchArgs.length === 2 && f.prefix) throw bad('`range_end` and `--prefix` are mutually exclusive');
  const r = rangeOf(watchArgs[0]!, watchArgs[1], Boolean(f.prefix), false);
  const rev = f.rev as bigint;
  return {
    key: r.key,
    range_end: r.rangeEnd,
    start_revision: rev > 0n ? rev : 0n,
    prev_kv: Boolean(f['prev-kv']),
    progress_notify: Boolean(f['progress-notify']),
  };
}

function isProgressNotify(r: WatchResponse): boolean {
  return r.events.length === 0 && !r.canceled && !r.created && r.compact_revision === 0n && (r.header?.revision ?? 0n) !== 0n;
}

// clientv3's WatchResponse.Err() text for a cancelled watch.
function cancelError(r: WatchResponse): string {
  if (r.compact_revision !== 0n) return 'etcdserver: mvcc: required revision has been compacted';
  return r.cancel_reason || 'watch is canceled by the server';
}

function runExec(execArgs: string[], r: WatchResponse): void {
  for (const ev of r.events) {
    stdout.flush();
    const env = {
      ...process.env,
      ETCD_WATCH_REVISION: String(r.header?.revision ?? 0n),
      ETCD_WATCH_EVENT_TYPE: ev.type === EventType.Delete ? '"DELETE"' : '"PUT"',
      ETCD_WATCH_KEY: goQuote(ev.kv?.key ?? Buffer.alloc(0)),
      ETCD_WATCH_VALUE: goQuote(ev.kv?.value ?? Buffer.alloc(0)),
    };
    // Loaded only here: most watches run no program.
    const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
    const res = spawnSync(execArgs[0]!, execArgs.slice(1), { env, stdio: 'inherit' });
    let err: string | undefined;
    if (res.error)
      err =
        (res.error as NodeJS.ErrnoException).code === 'ENOENT' ? `exec: ${JSON.stringify(execArgs[0])}: executable file not found in $PATH` : res.error.message;
    else if (res.signal) err = `signal: ${res.signal}`;
    else if (res.status !== 0) err = `exit status ${res.status}`;
    if (err !== undefined) {
      process.stderr.write(`command [${execArgs.map((a) => goQuote(a)).join(' ')}] error (${err})\n`);
      process.exit(ExitCode.Error);
    }
  }
}

// Starts one watch that prints every response (and runs the exec command).
// A response the printer refuses (-w table) ends the watch with that error,
// as etcdctl exits there.
async function startWatch(ctx: Context, req: WatchCreateRequest, execArgs: string[]): Promise<WatchHandle> {
  const client = await ctx.client();
  const printer = ctx.printer();
  let failure: unknown;
  const handle: WatchHandle = client.watch(req, (r) => {
    if (failure !== undefined) return;
    if (r.canceled) {
      stdout.flush();
      process.stderr.write(`watch was canceled (${cancelError(r)})\n`);
    }
    if (isProgressNotify(r)) stdout.write(`progress notify: ${r.header!.revision}\n`);
    try {
      printer.watch(r);
    } catch (e) {
      failure = e;
      handle.cancel();
      return;
    }
    stdout.flush();
    if (execArgs.length > 0) runExec(execArgs, r);
  });
  const done = handle.done.then(() => {
    if (failure !== undefined) throw failure;
  });
  return { ...handle, done };
}

// Lines of stdin as they arrive; a last line without a newline counts as
// EOF, as Go's ReadString('\n') reports it.
async function* stdinLines(): AsyncGenerator<string> {
  let pending = Buffer.alloc(0);
  for await (const chunk of process.stdin) {
    pending = Buffer.concat([pending, chunk as Buffer]);
    for (let nl = pending.indexOf(0x0a); nl >= 0; nl = pending.indexOf(0x0a)) {
      yield text(pending.subarray(0, nl));
      pending = pending.subarray(nl + 1);
    }
  }
}

const LINE_FLAGS = () => watchCommand.flags.filter((f) => f.name !== 'interactive');

// Reads watch and progress lines until stdin ends; a watch whose responses
// cannot be printed ends the command with that error.
async function interactive(ctx: Context): Promise<void> {
  let fail!: (e: unknown) => void;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  await Promise.race([readLines(ctx, fail), failed]);
}

async function readLines(ctx: Context, fail: (e: unknown) => void): Promise<void> {
  const watches: WatchHandle[] = [];
  const envKey = rawEnv(process.env, 'ETCDCTL_WATCH_KEY');
  for await (const line of stdinLines()) {
    const words = argify(line);
    if (words instanceof Error) {
      process.stderr.write(`Invalid command ${line} (${words.message})\n`);
      continue;
    }
    if (words.length < 1) {
      process.stderr.write(`Invalid command: ${line} (watch and progress supported)\n`);
      continue;
    }
    if (words[0] === 'progress') {
      for (const w of watches) w.progress();
      continue;
    }
    if (words[0] !== 'watch') {
      process.stderr.write(`Invalid command ${line} (only support watch)\n`);
      continue;
    }
    if (words.length < 2 && envKey === '') {
      process.stderr.write(`Invalid command ${line} (command type or key is not provided)\n`);
      continue;
    }
    const parsed = parseArgs(words.slice(1), LINE_FLAGS());
    const { watchArgs, execArgs } = splitWatchArgs(parsed.positionals, parsed.dashAt, process.env);
    let req: WatchCreateRequest;
    try {
      req = buildWatch(watchArgs, parsed.flags);
    } catch (e) {
      process.stderr.write(`Invalid command ${line} (${(e as Error).message})\n`);
      continue;
    }
    const w = await startWatch(ctx, req, execArgs);
    // A watch the server cancels only ends itself here, as in etcdctl.
    w.done.catch((e: unknown) => {
      if (e instanceof CliError) fail(e);
    });
    watches.push(w);
  }
  throw new CliError('Error reading watch request line: EOF', ExitCode.InvalidInput);
}

export const watchCommand: CommandDef = {
  name: 'watch',
  usage: 'watch [options] [key or prefix] [range_end] [--] [exec-command arg1 arg2 ...]',
  summary: 'Watches events stream on keys or prefixes',
  ownFormats: ['jsonl'],
  flags: [
    { name: 'interactive', short: 'i', kind: 'bool', def: 'false', help: 'Interactive mode' },
    { name: 'prefix', kind: 'bool', def: 'false', help: 'Watch on a prefix if prefix is set' },
    { name: 'rev', kind: 'int', def: '0', help: 'Revision to start watching' },
    { name: 'prev-kv', kind: 'bool', def: 'false', help: 'get the previous key-value pair before the event happens' },
    { name: 'progress-notify', kind: 'bool', def: 'false', help: 'get periodic watch progress notification from server' },
  ],
  extraEnv: ['ETCDCTL_WATCH_KEY', 'ETCDCTL_WATCH_RANGE_END'],
  async run(ctx, args, f) {
    if (f.interactive) return interactive(ctx);
    const { watchArgs, execArgs } = splitWatchArgs(args, ctx.dashAt, process.env);
    const req = buildWatch(watchArgs, f);
    const w = await startWatch(ctx, req, execArgs);
    await w.done;
    // The stream only ends when the server cancels the watch.
    throw new CliError('watch is canceled by the server', ExitCode.Interrupted);
  },
};
