// snapshot save|status|restore, all native: the stream, the bbolt file,
// the WAL and the raft snapshot are read and written here.
import { statSync } from 'node:fs';
import { CliError, ExitCode, failWith, goPathError } from '../cli/errors.js';
import type { Context } from '../cli/global.js';
import type { CommandDef } from '../cli/registry.js';
import { NO_ENDPOINTS, type EtcdClient } from '../client/etcd.js';
import type { StatusResponse } from '../client/types.js';
import { hexId, humanizeBytes } from '../output/gofmt.js';
import { startProgress } from '../output/progress.js';
import { SnapshotPrinter } from '../output/snapshot.js';
import { restoreCommand } from './snapshot-restore.js';
import { SnapshotError } from '../snapshot/errors.js';

const bad = (msg: string) => new CliError(msg, ExitCode.BadArgs);

interface Source {
  endpoint: string;
  client: EtcdClient;
  status: StatusResponse;
}

// The member to save from. With several endpoints (which etcdctl refuses),
// every one is asked for its status: the leader wins, then the member with
// the highest raft index; members reporting errors are skipped.
async function pickSource(ctx: Context): Promise<Source> {
  const { endpoints } = await ctx.config();
  if (endpoints.length === 0) throw new CliError(NO_ENDPOINTS, ExitCode.Interrupted);
  const deadline = ctx.commandDeadline();
  type Asked = Source | { endpoint: string; error: Error };
  const asked = await Promise.all(
    endpoints.map(async (endpoint): Promise<Asked> => {
      try {
        const client = await ctx.clientFor([endpoint]);
        return { endpoint, client, status: await client.status({ deadline }) };
      } catch (e) {
        return { endpoint, error: e as Error };
      }
    }),
  );
  const healthy = asked.filter((a): a is Source => 'status' in a && a.status.errors.length === 0);
  if (endpoints.length === 1) {
    const only = asked[0]!;
    if ('error' in only) throw only.error;
    return only;
  }
  for (const a of asked) {
    if ('error' in a) process.stderr.write(`etcdctl-ts: ${a.endpoint} is not usable for the snapshot: ${a.error.message}\n`);
    else if (a.status.errors.length > 0) process.stderr.write(`etcdctl-ts: ${a.endpoint} reports errors (${a.status.errors.join(', ')}); not saving from it\n`);
  }
  if (healthy.length === 0) throw new CliError(`no healthy member among ${endpoints.join(', ')} to save a snapshot from`);
  healthy.sort((a, b) => {
    const lead = Number(b.status.leader === b.status.header?.member_id) - Number(a.status.leader === a.status.header?.member_id);
    if (lead !== 0) return lead;
    return a.status.raftIndex > b.status.raftIndex ? -1 : a.status.raftIndex < b.status.raftIndex ? 1 : 0;
  });
  const pick = healthy[0]!;
  const why = pick.status.leader === pick.status.header?.member_id ? 'the leader' : `raft index ${pick.status.raftIndex}`;
  process.stderr.write(`etcdctl-ts: saving the snapshot from ${pick.endpoint} (member ${hexId(pick.status.header?.member_id ?? 0n)}, ${why})\n`);
  return pick;
}

const saveCommand: CommandDef = {
  name: 'save',
  usage: 'save <filename>',
  summary: 'Stores an etcd node backend snapshot to a given file',
  flags: [],
  async run(ctx, args) {
    if (args.length !== 1) throw bad('snapshot save expects one argument');
    const started = performance.now();
    let writer: import('../snapshot/save.js').SnapshotWriter | undefined;
    // Ctrl-C or a TERM leaves no partial file behind.
    const abort = new AbortController();
    const onSignal = () => abort.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      const src = await pickSource(ctx);
      const { SnapshotWriter } = await import('../snapshot/save.js');
      writer = new SnapshotWriter(args[0]!);
      const w = writer;
      // etcdctl sets no deadline on the stream unless --command-timeout is given.
      const deadline = ctx.settings.explicit.has('command-timeout') ? ctx.commandDeadline() : undefined;
      let total = 0;
      const progress = await startProgress('Saving snapshot');
      const ticker = setInterval(() => {
        const secs = (performance.now() - started) / 1000;
        progress.update(`Saving snapshot from ${src.endpoint}: ${humanizeBytes(w.size)}${total ? ` of ${humanizeBytes(total)}` : ''} (${humanizeBytes(Math.round(w.size / secs))}/s)`);
      }, 200);
      try {
        await src.client.snapshot(
          (r) => {
            if (total === 0) total = Number(r.remaining_bytes) + r.blob.length;
            w.write(r.blob);
          },
          { deadline, signal: abort.signal },
        );
      } finally {
        clearInterval(ticker);
        progress.done();
      }
      const sha256 = w.finish();
      new SnapshotPrinter(ctx.settings.format).saved({
        path: w.path,
        size: w.size,
        sha256,
        endpoint: src.endpoint,
        memberId: src.status.header?.member_id ?? 0n,
        version: src.status.version,
        durationMs: Math.round(performance.now() - started),
      });
    } catch (e) {
      writer?.abort();
      if (abort.signal.aborted) throw new CliError('snapshot save interrupted; no file was written', ExitCode.Interrupted);
      throw failWith(e, ExitCode.Interrupted);
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
};

const statusCommand: CommandDef = {
  name: 'status',
  usage: 'status <filename>',
  summary: 'Gets backend snapshot status of a given file',
  description: 'With --write-out=simple, one comma-separated line: hash, revision, total keys, total size.',
  flags: [],
  async run(ctx, args) {
    if (args.length !== 1) throw bad('snapshot status requires exactly one argument');
    const path = args[0]!;
    let size: number;
    try {
      size = statSync(path).size;
    } catch (e) {
      throw new CliError(goPathError('stat', path, e));
    }
    try {
      const { dbStatus } = await import('../snapshot/status.js');
      new SnapshotPrinter(ctx.settings.format).status(dbStatus(path, size));
    } catch (e) {
      if (e instanceof SnapshotError) throw new CliError(e.message);
      throw e;
    }
  },
};

export const snapshotCommand: CommandDef = {
  name: 'snapshot',
  usage: 'snapshot <subcommand>',
  summary: 'Manages etcd node snapshots',
  flags: [],
  subcommands: [restoreCommand, saveCommand, statusCommand],
};
