// snapshot save|status|restore, all native: the stream, the bbolt file,
// the WAL and the raft snapshot are read and written here.
import { lstatSync, rmSync, statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { checkTarget, FileError, handleSignals, kindOf, lockFor, writeAtomic, type Lock } from '../base/files.js';
import { GzipError } from '../snapshot/gzip.js';
import { expand, produced, toPrune } from '../backup/names.js';
import { readMetrics, writeMetrics } from '../backup/metrics.js';
import { listSnapshots } from '../backup/list.js';
import { withPlain } from '../snapshot/plain.js';
import { jsonText } from '../base/json-text.js';
import { stdout } from '../output/out.js';
import { drawTable } from '../output/own-tables.js';
import { dbStatus } from '../snapshot/status.js';
import { hashKV } from '../snapshot/hashkv.js';
import { CliError, ExitCode, failWith, goLinkError, goPathError } from '../base/errors.js';
import type { Context } from '../cli/global.js';
import type { CommandDef } from '../cli/registry.js';
import { NO_ENDPOINTS, type EtcdClient } from '../client/etcd.js';
import type { StatusResponse } from '../client/types.js';
import { hexId, humanizeBytes } from '../base/gofmt.js';
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

// Up-front checks of a save's target: etcdctl's words where etcdctl has
// them (a missing directory, a directory in the way), ours for the rest.
function checkSaveTarget(path: string): void {
  const dir = dirname(path);
  const d = statSync(dir, { throwIfNoEntry: false });
  if (!d?.isDirectory()) {
    const code = d ? 'ENOTDIR' : 'ENOENT';
    throw new SnapshotError(`could not open ${path}.part (${goPathError('open', `${path}.part`, Object.assign(new Error(code), { code }))})`);
  }
  if (statSync(path, { throwIfNoEntry: false })?.isDirectory() && !lstatSync(path).isSymbolicLink()) {
    throw new SnapshotError(
      `could not rename ${path}.part to ${path} (${goLinkError('rename', `${path}.part`, path, Object.assign(new Error('EEXIST'), { code: 'EEXIST' }))})`,
    );
  }
  checkTarget(path);
}

// A metrics file must be writable before the save starts: a backup must not
// fail after the fact for want of its directory.
function checkMetricsFile(path: string): void {
  const d = statSync(dirname(path), { throwIfNoEntry: false });
  if (!d?.isDirectory()) throw new CliError(`--metrics-file ${path}: the directory ${dirname(path)} does not exist`, ExitCode.BadArgs);
  try {
    checkTarget(path);
  } catch (e) {
    throw new CliError(`--metrics-file: ${(e as Error).message}`, ExitCode.BadArgs);
  }
}

// Removes files (and their .sha256), noting what went and what could not.
function remove(paths: string[], pruned: string[], problems: string[]): void {
  for (const old of paths) {
    for (const p of [old, `${old}.sha256`]) {
      try {
        rmSync(p);
        if (p === old) pruned.push(p);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') problems.push(`${p} could not be removed (${(e as Error).message})`);
      }
    }
  }
}

const saveCommand: CommandDef = {
  name: 'save',
  usage: 'save <filename>',
  summary: 'Stores an etcd node backend snapshot to a given file',
  description:
    'etcdctl-ts: {time} in the file name becomes a sortable UTC stamp (20261201T214300Z) and {member}\n' +
    "the saved member's name; --compress, --checksum-file, --keep, --keep-within and --metrics-file make\n" +
    "the nightly backup one command; - writes the snapshot to standard output. Without them, save is etcdctl's.",
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
    if (compress !== '' && compress !== 'gzip')
      throw new CliError(`unknown --compress ${JSON.stringify(compress)}: gzip is the one there is`, ExitCode.BadArgs);
    const keep = Number(f.keep as bigint);
    const within = f['keep-within'] as number;
    const toStdout = args[0] === '-';
    if (keep < 0) throw bad('--keep must not be negative');
    if ((keep > 0 || within > 0) && !args[0]!.includes('{time}'))
      throw bad('--keep and --keep-within prune what earlier runs saved: the file name needs {time}');
    if (toStdout && f['checksum-file']) throw bad('--checksum-file needs a file name, not - (standard output)');
    if (toStdout && ctx.settings.format === 'json') throw bad('-w json cannot share standard output with the snapshot (-): drop one');
    const metricsFile = f['metrics-file'] as string;
    if (metricsFile) checkMetricsFile(metricsFile);
    const started = performance.now();
    const now = new Date();
    let writer: import('../snapshot/save.js').SnapshotWriter | undefined;
    let lock: Lock | undefined;
    // Ctrl-C or a TERM leaves no partial file behind.
    const abort = new AbortController();
    const onSignal = () => abort.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const ownSignals = handleSignals();
    let placed = false;
    const pruned: string[] = [];
    const early: string[] = [];
    try {
      let path = args[0]!;
      // One run at a time per target, or per pattern with {time}; taken
      // before the cluster is asked, unless the name needs the member's.
      const takeLock = (member: string) => {
        checkSaveTarget(expand(path, now, member));
        lock = lockFor(expand(path, undefined, member), 'snapshot save');
      };
      if (!toStdout && !path.includes('{member}')) takeLock('');
      const src = await pickSource(ctx);
      const { SnapshotWriter } = await import('../snapshot/save.js');
      let member: string | undefined;
      if (!toStdout) {
        if (path.includes('{member}')) {
          const id = src.status.header?.member_id ?? 0n;
          member = (await src.client.memberList({ deadline: ctx.commandDeadline() })).members.find((m) => m.ID === id)?.name ?? hexId(id);
          takeLock(member);
        }
        path = expand(path, now, member ?? '');
      }
      // Temporaries that interrupted saves of this pattern left hold no
      // backup, and none can be in use (this run holds the pattern's lock):
      // they go first, making room for this one.
      if (!toStdout && (keep > 0 || within > 0)) remove(produced(args[0]!, member).leftovers, pruned, early);
      writer = new SnapshotWriter(toStdout ? undefined : path, compress === 'gzip');
      const w = writer;
      // snapshot list tells this run's temporary from one a killed run left.
      if (w.part) lock?.note(`writing ${basename(w.part)}`);
      // etcdctl sets no deadline on the stream unless --command-timeout is given.
      const deadline = ctx.settings.explicit.has('command-timeout') ? ctx.commandDeadline() : undefined;
      let total = 0;
      const progress = await startProgress('Saving snapshot');
      const ticker = setInterval(() => {
        const secs = (performance.now() - started) / 1000;
        progress.update(
          `Saving snapshot from ${src.endpoint}: ${humanizeBytes(w.size)}${total ? ` of ${humanizeBytes(total)}` : ''} (${humanizeBytes(Math.round(w.size / secs))}/s)`,
        );
      }, 200);
      try {
        await src.client.snapshot(
          (r) => {
            if (total === 0) total = Number(r.remaining_bytes) + r.blob.length;
            w.write(r.blob);
          },
          { deadline, signal: abort.signal },
        );
      } catch (e) {
        // Our own side (the disk, the pipe) says what failed itself.
        if (abort.signal.aborted || e instanceof SnapshotError || e instanceof FileError) throw e;
        throw failWith(
          e,
          ExitCode.Interrupted,
          (m) => `the snapshot stream from ${src.endpoint} (member ${hexId(src.status.header?.member_id ?? 0n)}) broke after ${w.size} bytes: ${m}`,
        );
      } finally {
        clearInterval(ticker);
        progress.done();
      }
      if (abort.signal.aborted) throw new Error('interrupted');
      // Everything the report needs is known here; after the rename only
      // the side files and pruning remain, and none can undo the backup.
      const { sha256, revision, totalKey } = w.finish();
      placed = true;
      const problems: string[] = [...early];
      let checksumFile: string | undefined;
      if (f['checksum-file']) {
        try {
          writeAtomic(`${path}.sha256`, `${w.fileSha256}  ${basename(path)}\n`);
          checksumFile = `${path}.sha256`;
        } catch (e) {
          problems.push(`its checksum file was not written (${(e as Error).message})`);
        }
      }
      // The new backup is in place: only now may older ones go.
      if (keep > 0 || within > 0) {
        const found = produced(args[0]!, member);
        remove(
          toPrune(found.files, path, keep > 0 ? keep : undefined, within > 0 ? within : undefined, now).map((p) => p.path),
          pruned,
          problems,
        );
      }
      const durationMs = Math.round(performance.now() - started);
      if (metricsFile) {
        try {
          writeMetrics(metricsFile, {
            ...readMetrics(metricsFile),
            last_success_timestamp_seconds: String(Math.floor(now.getTime() / 1000)),
            last_duration_seconds: (durationMs / 1000).toFixed(3),
            last_size_bytes: String(w.fileSize),
            last_revision: String(revision),
            last_total_keys: String(totalKey),
          });
        } catch (e) {
          problems.push(`the metrics file was not written (${(e as Error).message})`);
        }
      }
      const json = ctx.settings.format === 'json';
      if (!toStdout) {
        new SnapshotPrinter(ctx.settings.format).saved({
          path,
          size: w.size,
          sha256,
          endpoint: src.endpoint,
          memberId: src.status.header?.member_id ?? 0n,
          version: src.status.version,
          durationMs,
          ...(json ? { revision, totalKey, compressedSize: compress ? w.fileSize : undefined, checksumFile, pruned, problems } : {}),
        });
      }
      if (problems.length > 0) throw new CliError(`the snapshot was saved at ${path}, but ${problems.join('; ')}`, ExitCode.IO);
    } catch (e) {
      writer?.abort();
      if (metricsFile && !placed) {
        try {
          writeMetrics(metricsFile, { ...readMetrics(metricsFile), last_failure_timestamp_seconds: String(Math.floor(Date.now() / 1000)) });
        } catch (me) {
          process.stderr.write(`etcdctl-ts: could not write ${metricsFile}: ${(me as Error).message}\n`);
        }
      }
      if (e instanceof CliError && e.code === ExitCode.IO) throw e;
      if (abort.signal.aborted) throw new CliError('snapshot save interrupted; no file was written', ExitCode.Interrupted);
      if (e instanceof FileError) throw new CliError(e.message, ExitCode.Interrupted);
      throw failWith(e, ExitCode.Interrupted);
    } finally {
      lock?.release();
      ownSignals();
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
    const size = snapshotFile(path);
    try {
      // A gzip-compressed snapshot (known by its magic bytes) is read through a temporary copy.
      const s = await withPlain(path, (plain) => dbStatus(plain, plain === path ? size : statSync(plain).size, path));
      new SnapshotPrinter(ctx.settings.format).status(s);
    } catch (e) {
      if (e instanceof SnapshotError || e instanceof GzipError || e instanceof FileError) throw new CliError(e.message);
      throw e;
    }
  },
};

// The file a db-reading command was given: stat'ed, refused unless a file.
function snapshotFile(path: string): number {
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new CliError(`${path} is ${kindOf(st)}, not a snapshot file`);
    return st.size;
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(goPathError('stat', path, e));
  }
}

const hashkvCommand: CommandDef = {
  name: 'hashkv',
  usage: 'hashkv <filename> [--rev <revision>]',
  summary: 'Prints the KV history hash of a snapshot or db file (etcdutl 3.6)',
  description:
    'The hash a member answers `endpoint hashkv` with, from a snapshot file (plain or gzip-compressed) or a\n' +
    "member's member/snap/db, without a server. With --write-out=simple, one comma-separated line: hash, hash\n" +
    'revision, compact revision (-1: never compacted), as `etcdutl hashkv` prints it.',
  flags: [{ name: 'rev', kind: 'int', def: '0', help: 'Revision number; 0 is the latest in the file' }],
  async run(ctx, args, f) {
    if (args.length !== 1) throw bad('snapshot hashkv requires exactly one argument');
    const rev = f.rev as bigint;
    if (rev < 0n) throw bad(`--rev must not be negative, got ${rev}`);
    const path = args[0]!;
    snapshotFile(path);
    try {
      const h = await withPlain(path, (plain) => hashKV(plain, rev, path));
      new SnapshotPrinter(ctx.settings.format).hashKV(h);
    } catch (e) {
      if (e instanceof SnapshotError || e instanceof GzipError || e instanceof FileError) throw new CliError(e.message);
      throw e;
    }
  },
};

const listCommand: CommandDef = {
  name: 'list',
  usage: 'list <directory|pattern>',
  summary: 'Lists and verifies the snapshot files in a directory (etcdctl-ts)',
  description:
    'Every snapshot file (plain or gzip-compressed; with a save pattern such as dir/etcd-{time}.db.gz, every\n' +
    'file the pattern could have made) with its time, size, revision and keys, whether its sha256 trailer and\n' +
    'its .sha256 file check out, and the temporaries of saves that did not finish; exit 1 if any is bad.',
  flags: [],
  async run(ctx, args) {
    if (args.length !== 1) throw bad('snapshot list expects one directory or save pattern');
    let list;
    try {
      list = await listSnapshots(args[0]!);
    } catch (e) {
      if (e instanceof FileError) throw new CliError(e.message);
      throw new CliError(goPathError('open', args[0]!, e));
    }
    const format = ctx.settings.format;
    if (format === 'json') {
      stdout.write(
        `${jsonText({
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
            status: l.status,
            error: l.error ?? null,
          })),
        })}\n`,
      );
    } else if (format === 'simple' || format === 'table') {
      const rows = list.map((l) => [
        l.name,
        l.modified.toISOString().replace(/\.\d+Z$/, 'Z'),
        humanizeBytes(l.size),
        l.revision?.toString() ?? '',
        l.totalKey?.toString() ?? '',
        l.trailer,
        l.checksumFile,
        l.status,
      ]);
      stdout.write(
        drawTable(format === 'table' ? 'table' : 'plain', ['NAME', 'TIME', 'SIZE', 'REVISION', 'TOTAL KEYS', 'TRAILER', 'SHA256 FILE', 'STATUS'], rows),
      );
    } else throw new CliError(`${format} not supported as output format (snapshot list writes simple, table and json)`, ExitCode.BadFeature);
    for (const l of list) if (l.error) process.stderr.write(`etcdctl-ts: ${l.name}: ${l.error}\n`);
    const failed = list.filter((l) => l.status === 'bad' || l.status === 'leftover');
    if (failed.length > 0)
      throw new CliError(`${failed.length} of ${list.length} snapshot files failed verification: ${failed.map((l) => l.name).join(', ')}`, ExitCode.Error);
  },
};

export const snapshotCommand: CommandDef = {
  name: 'snapshot',
  usage: 'snapshot <subcommand>',
  summary: 'Manages etcd node snapshots',
  flags: [],
  subcommands: [hashkvCommand, listCommand, restoreCommand, saveCommand, statusCommand],
};
