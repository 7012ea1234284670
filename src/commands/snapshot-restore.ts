// snapshot restore: flags, defaults and errors as etcdctl 3.4, plus 3.5's
// --bump-revision and --mark-compacted.
import { CliError, ExitCode } from '../base/errors.js';
import type { CommandDef } from '../cli/registry.js';
import { FileError } from '../base/files.js';
import { GzipError } from '../snapshot/gzip.js';
import { SnapshotError } from '../snapshot/errors.js';

export const restoreCommand: CommandDef = {
  name: 'restore',
  usage: 'restore <filename> [options]',
  summary: 'Restores an etcd member snapshot to an etcd directory',
  flags: [
    { name: 'bump-revision', kind: 'uint', def: '0', help: 'How much to increase the latest revision after restore' },
    { name: 'data-dir', kind: 'string', def: '', help: 'Path to the data directory' },
    {
      name: 'initial-advertise-peer-urls',
      kind: 'string',
      def: 'http://localhost:2380',
      help: "List of this member's peer URLs to advertise to the rest of the cluster",
    },
    { name: 'initial-cluster', kind: 'string', def: 'default=http://localhost:2380', help: 'Initial cluster configuration for restore bootstrap' },
    { name: 'initial-cluster-token', kind: 'string', def: 'etcd-cluster', help: 'Initial cluster token for the etcd cluster during restore bootstrap' },
    {
      name: 'mark-compacted',
      kind: 'bool',
      def: 'false',
      help: 'Mark the latest revision after restore as the point of scheduled compaction (required if --bump-revision > 0, disallowed otherwise)',
    },
    { name: 'name', kind: 'string', def: 'default', help: 'Human-readable name for this member' },
    { name: 'skip-hash-check', kind: 'bool', def: 'false', help: 'Ignore snapshot integrity hash value (required if copied from data directory)' },
    { name: 'wal-dir', kind: 'string', def: '', help: 'Path to the WAL directory (use --data-dir if none given)' },
  ],
  async run(_ctx, args, f) {
    if (args.length !== 1) throw new CliError('snapshot restore requires exactly one argument', ExitCode.BadArgs);
    const bump = BigInt(f['bump-revision'] as number);
    if (bump > 0n && !f['mark-compacted']) throw new CliError('--mark-compacted required if --revision-bump > 0', ExitCode.BadArgs);
    if (bump === 0n && f['mark-compacted']) throw new CliError('--mark-compacted is only valid with --bump-revision', ExitCode.BadArgs);
    const name = f.name as string;
    const dataDir = (f['data-dir'] as string) || `${name}.etcd`;
    try {
      const { restore } = await import('../snapshot/restore.js');
      // A gzip-compressed snapshot is decompressed straight into the new database.
      await restore({
        snapshot: args[0]!,
        name,
        dataDir,
        walDir: (f['wal-dir'] as string) || undefined,
        initialCluster: f['initial-cluster'] as string,
        token: f['initial-cluster-token'] as string,
        advertisePeerURLs: f['initial-advertise-peer-urls'] as string,
        skipHashCheck: Boolean(f['skip-hash-check']),
        bumpRevision: bump,
        markCompacted: Boolean(f['mark-compacted']),
      });
    } catch (e) {
      if (e instanceof SnapshotError || e instanceof GzipError || e instanceof FileError) throw new CliError(e.message);
      throw e;
    }
  },
};
