// snapshot save|status|restore, all native: the stream, the bbolt file,
// the WAL and the raft snapshot are read and written here.
import { rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { writeAtomic } from '../backup/atomic.js';
import { GzipError } from '../backup/gzip.js';
import { expand, hasPlaceholders, produced, toPrune } from '../backup/names.js';
import { readMetrics, writeMetrics } from '../backup/metrics.js';
import { listSnapshots } from '../backup/list.js';
import { withPlain } from '../backup/plain.js';
import { jsonText } from '../output/json-text.js';
import { stdout } from '../output/out.js';
import { drawTable } from '../output/tables.js';
import { dbStatus } from '../snapshot/status.js';
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
  description:
    'etcdctl-ts: {time} in the file name becomes a sortable UTC stamp (20261201T214300Z) and {member}\n' +
    "the saved member's name; --compress, --checksum-file, --keep, --keep-within and --metrics-file make\n" +
    'the nightly backup one command. Without them, save is etcdctl\'s.',
  flags: [
    { name: 'compress', kind: 'string', def: '', help: 'etcdctl-ts: write the file compressed: gzip' },
    { name: 'checksum-file', kind: 'bool', def: 'false', help: 'etcdctl-ts: also write <file>.sha256 (sha256sum -c checks it)' },
    { name: 'keep', kind: 'int', def: '0', help: 'etcdctl-ts: after a good save, keep this many of the files the same {time} pattern made (0: all)' },
    { name: 'keep-within', kind: 'duration', def: '0s', help: 'etcdctl-ts: after a good save, keep the files the same {time} pattern made this recently' },
    { name: 'metrics-file', kind: 'string', def: '', help: 'etcdctl-ts: write a Prometheus node-exporter textfile about this run' },
  ],
  async run(ctx, args, f) {
    if (args.length !== 1) throw bad('snapshot save expects one argument');
    const compress = f.compress as string;
    if (compress !== '' && compress !== 'gzip') throw new CliError(`unknown --compress ${JSON.stringify(compress)}: gzip is the one there is`, ExitCode.BadArgs);
    const keep = Number(f.keep as bigint);
    const within = f['keep-within'] as number;
    if (keep < 0) throw bad('--keep must not be negative');
    if ((keep > 0 || within > 0) && !args[0]!.includes('{time}')) throw bad('--keep and --keep-within prune what earlier runs saved: the file name needs {time}');
    const metricsFile = f['metrics-file'] as string;
    const started = performance.now();
    const now = new Date();
    let writer: import('../snapshot/save.js').SnapshotWriter | undefined;
    // Ctrl-C or a TERM leaves no partial file behind.
    const abort = new AbortController();
    const onSignal = () => abort.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      const src = await pickSource(ctx);
      const { SnapshotWriter } = await import('../snapshot/save.js');
      let path = args[0]!;
      if (hasPlaceholders(path)) {
        const id = src.status.header?.member_id ?? 0n;
        const name = path.includes('{member}') ? ((await src.client.memberList({ deadline: ctx.commandDeadline() })).members.find((m) => m.ID === id)?.name ?? hexId(id)) : '';
        path = expand(path, now, name);
      }
      writer = new SnapshotWriter(path, compress === 'gzip');
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
      // <file>.sha256 in sha256sum's format.
      const checksumFile = f['checksum-file'] ? `${w.path}.sha256` : undefined;
      if (checksumFile) writeAtomic(checksumFile, `${w.fileSha256}  ${basename(w.path)}\n`);
      // The new backup is in place: only now may older ones go.
      const pruned: string[] = [];
      const unremovable: string[] = [];
      for (const old of toPrune(produced(args[0]!), w.path, keep > 0 ? keep : undefined, within > 0 ? within : undefined, now)) {
        for (const p of [old.path, `${old.path}.sha256`]) {
          try {
            rmSync(p);
            if (p === old.path) pruned.push(p);
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== 'ENOENT') unremovable.push(`${p} (${(e as Error).message})`);
          }
        }
      }
      const durationMs = Math.round(performance.now() - started);
      const json = ctx.settings.format === 'json';
      const stats = json || metricsFile ? await withPlain(w.path, w.path, (plain) => dbStatus(plain, statSync(plain).size)) : undefined;
      if (metricsFile) {
        writeMetrics(metricsFile, {
          ...readMetrics(metricsFile),
          last_success_timestamp_seconds: String(Math.floor(now.getTime() / 1000)),
          last_duration_seconds: (durationMs / 1000).toFixed(3),
          last_size_bytes: String(w.fileSize),
          last_revision: String(stats!.revision),
          last_total_keys: String(stats!.totalKey),
        });
      }
      new SnapshotPrinter(ctx.settings.format).saved({
        path: w.path,
        size: w.size,
        sha256,
        endpoint: src.endpoint,
        memberId: src.status.header?.member_id ?? 0n,
        version: src.status.version,
        durationMs,
        ...(json ? { revision: stats!.revision, totalKey: stats!.totalKey, compressedSize: compress ? w.fileSize : undefined, checksumFile, pruned } : {}),
      });
      if (unremovable.length > 0) throw new CliError(`the snapshot was saved, but older ones could not be removed: ${unremovable.join('; ')}`, ExitCode.IO);
    } catch (e) {
      writer?.abort();
      if (metricsFile && !(e instanceof CliError && e.code === ExitCode.IO)) {
        try {
          writeMetrics(metricsFile, { ...readMetrics(metricsFile), last_failure_timestamp_seconds: String(Math.floor(Date.now() / 1000)) });
        } catch (me) {
          process.stderr.write(`etcdctl-ts: could not write ${metricsFile}: ${(me as Error).message}\n`);
        }
      }
      if (e instanceof CliError && e.code === ExitCode.IO) throw e;
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
      // A gzip-compressed snapshot (known by its magic bytes) is read through a temporary copy.
      const s = await withPlain(path, join(tmpdir(), 'status'), (plain) => dbStatus(plain, plain === path ? size : statSync(plain).size));
      new SnapshotPrinter(ctx.settings.format).status(s);
    } catch (e) {
      if (e instanceof SnapshotError || e instanceof GzipError) throw new CliError(e.message);
      throw e;
    }
  },
};

const listCommand: CommandDef = {
  name: 'list',
  usage: 'list <directory>',
  summary: 'Lists and verifies the snapshot files in a directory (etcdctl-ts)',
  description: 'Every snapshot file (plain or gzip-compressed) with its time, size, revision and keys, and whether its\nsha256 trailer and its .sha256 file check out; exit 1 if any does not.',
  flags: [],
  async run(ctx, args) {
    if (args.length !== 1) throw bad('snapshot list expects one directory');
    let list;
    try {
      list = await listSnapshots(args[0]!);
    } catch (e) {
      throw new CliError(goPathError('open', args[0]!, e));
    }
    const format = ctx.settings.format;
    if (format === 'json') {
      stdout.write(
        jsonText({
          snapshots: list.map((l) => ({
            name: l.name,
            path: l.path,
            modified: l.modified.toISOString(),
            size: l.size,
            compressed: l.compressed,
            revision: l.revision ?? null,
            totalKeys: l.totalKey ?? null,
            trailer: l.trailer,
            checksumFile: l.checksumFile,
            error: l.error ?? null,
          })),
        }) + '\n',
      );
    } else if (format === 'simple' || format === 'table') {
      const rows = list.map((l) => [l.name, l.modified.toISOString().replace(/\.\d+Z$/, 'Z'), humanizeBytes(l.size), l.revision?.toString() ?? '', l.totalKey?.toString() ?? '', l.trailer, l.checksumFile]);
      stdout.write(drawTable(format === 'table' ? 'table' : 'plain', ['NAME', 'TIME', 'SIZE', 'REVISION', 'TOTAL KEYS', 'TRAILER', 'SHA256 FILE'], rows));
    } else throw new CliError(`${format} not supported as output format (snapshot list writes simple, table and json)`, ExitCode.BadFeature);
    for (const l of list) if (l.error) process.stderr.write(`etcdctl-ts: ${l.name}: ${l.error}\n`);
    const failed = list.filter((l) => l.trailer === 'bad' || l.checksumFile === 'bad');
    if (failed.length > 0) throw new CliError(`${failed.length} of ${list.length} snapshot files failed verification: ${failed.map((l) => l.name).join(', ')}`, ExitCode.Error);
  },
};

export const snapshotCommand: CommandDef = {
  name: 'snapshot',
  usage: 'snapshot <subcommand>',
  summary: 'Manages etcd node snapshots',
  flags: [],
  subcommands: [listCommand, restoreCommand, saveCommand, statusCommand],
};
