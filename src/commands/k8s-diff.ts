// k8s diff (etcdctl-ts's own): what changed in the Kubernetes keyspace
// between a snapshot and the cluster, two snapshots, or the cluster at a
// revision and now. Exits as diff(1) does: 0 unchanged, 1 changed, 2 or
// more on trouble.
import { CliError, ExitCode } from '../base/errors.js';
import type { Context } from '../cli/global.js';
import type { CommandDef, Flags } from '../cli/registry.js';
import { differences } from '../k8s/diff.js';
import { DiffPrinter, type DiffState } from '../output/k8s.js';
import { bad, ENCRYPTION_FLAG, format, NS_FLAGS, openSide, scope, undecrypted, type Side } from './k8s-source.js';

// diff(1)'s exit code for trouble, so that 1 means "changed" alone.
const TROUBLE = 2;

type Source = { snapshot: string } | { rev: bigint };

function sources(f: Flags): [Source, Source] {
  const files = f.snapshot as string[];
  const rev = f.rev as bigint;
  if (files.length > 2) throw bad('k8s diff compares two states: give --snapshot at most twice');
  if (files.length > 0 && rev > 0n) throw bad('--rev compares the cluster at that revision with now; it does not go with --snapshot');
  if (files.length === 2) return [{ snapshot: files[0]! }, { snapshot: files[1]! }];
  if (files.length === 1) return [{ snapshot: files[0]! }, { rev: 0n }];
  if (rev > 0n) return [{ rev }, { rev: 0n }];
  throw bad('k8s diff needs two states: --snapshot FILE (against the cluster), --snapshot A --snapshot B, or --rev R (the cluster then against now)');
}

const named = (s: Source) => ('snapshot' in s ? s.snapshot : 'the cluster');

async function compare(ctx: Context, args: string[], f: Flags): Promise<boolean> {
  const fmt = format(ctx);
  if (fmt === 'table') throw new CliError('table not supported as output format (k8s diff writes simple, json and jsonl)', ExitCode.BadFeature);
  if (f['all-namespaces'] && f.namespace) throw bad('--namespace and --all-namespaces cannot be set at the same time, choose one');
  const [a, b] = sources(f);
  const s = scope(args, f, 'k8s diff');
  const opened: Side[] = [];
  try {
    const from = await openSide(ctx, f, a, s.key, s.end);
    opened.push(from);
    const to = await openSide(ctx, f, b, s.key, s.end);
    opened.push(to);
    const states: [DiffState, DiffState] = [
      { source: named(a), revision: from.revision },
      { source: named(b), revision: to.revision },
    ];
    const out = new DiffPrinter(fmt, ...states);
    for await (const d of differences(from.entries, to.entries, Boolean(f.all))) {
      if (s.namespace && d.summary.namespace !== s.namespace) continue;
      if (s.name && d.summary.name !== s.name) continue;
      out.add(d);
    }
    out.finish();
    undecrypted(new Map([...from.problems, ...to.problems]));
    const { added, deleted, modified } = out.counts;
    return added + deleted + modified > 0;
  } finally {
    for (const side of opened) side.close();
  }
}

// Trouble that would exit 1 elsewhere exits 2 here.
function trouble(e: unknown): unknown {
  if (e instanceof CliError) return e.code === ExitCode.Error ? new CliError(e.message, TROUBLE).from(e) : e;
  if (e instanceof Error) return new CliError(e.message, TROUBLE).from(e as { hints?: string[]; detail?: string[] });
  return e;
}

export const diff: CommandDef = {
  name: 'diff',
  usage: 'diff [resource[.group]] [name] (--snapshot A [--snapshot B] | --rev R) [options]',
  summary: 'Shows what changed in Kubernetes objects between two states',
  description:
    'Compares a snapshot with the cluster (--snapshot A), two snapshots (--snapshot A --snapshot B), or\n' +
    'the cluster at a revision with now (--rev R). Each object is added, deleted or modified; a modified\n' +
    'one is shown as a unified diff of its YAML. A change to metadata.resourceVersion or managedFields\n' +
    'times alone is none, unless --all. Exits 0 when nothing changed, 1 when something did, 2 or more\n' +
    'on trouble.',
  flags: [
    ...NS_FLAGS,
    ENCRYPTION_FLAG,
    {
      name: 'snapshot',
      kind: 'stringArray',
      def: '[]',
      help: "A snapshot file (or a member's db) to compare: once against the cluster, twice against each other",
    },
    { name: 'rev', kind: 'int', def: '0', help: 'Compare the cluster at this revision with the cluster now' },
    { name: 'all', kind: 'bool', def: 'false', help: 'Count changes to resourceVersion and managedFields times too' },
    { name: 'force', kind: 'bool', def: 'false', help: 'Compare what a damaged snapshot still holds, with a warning listing what could not be read' },
  ],
  ownFormats: ['jsonl'],
  async run(ctx, args, f) {
    let changed: boolean;
    try {
      changed = await compare(ctx, args, f);
    } catch (e) {
      throw trouble(e);
    }
    if (changed) throw new CliError('objects changed', ExitCode.Error).silent();
  },
};
