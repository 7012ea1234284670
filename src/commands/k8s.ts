// k8s ls|get|usage|watch|diff (etcdctl-ts's own): Kubernetes objects as the API
// server stores them under /registry, read live (paged, at one revision)
// or from a snapshot file with --snapshot, decoded by src/k8s/.
import { CliError, ExitCode } from '../base/errors.js';
import type { Context } from '../cli/global.js';
import type { CommandDef, Flags } from '../cli/registry.js';
import { prefixEnd } from '../client/prefix.js';
import { EventType, type KeyValue } from '../client/types.js';
import { classify, DecodeError, toObject, type Detail, type JsonObject } from '../k8s/decode.js';
import { REGISTRY, resolveResource } from '../k8s/resources.js';
import { summarize, type ObjectSummary, type StoredKv } from '../k8s/summary.js';
import { printObject, printObjects, printUsage, printWatchLine, summaryJson } from '../output/k8s.js';
import { stdout } from '../output/out.js';
import { diff } from './k8s-diff.js';
import { bad, decrypter, ENCRYPTION_FLAG, format, keyring, NS_FLAGS, open, scope, SOURCE_FLAGS, undecrypted, type Scope } from './k8s-source.js';

async function collect(ctx: Context, f: Flags, s: Scope, detail: Detail): Promise<{ list: ObjectSummary[]; revision: bigint; problems: Map<string, string> }> {
  const read = await open(ctx, f, s.key, s.end);
  try {
    const list: ObjectSummary[] = [];
    for await (const batch of read.each((kv) => summarize(kv, detail))) {
      for (const o of batch) {
        if (s.namespace && o.namespace !== s.namespace) continue;
        if (s.name && o.name !== s.name) continue;
        list.push(o);
      }
    }
    list.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return { list, revision: read.revision, problems: read.problems };
  } finally {
    read.close();
  }
}

const ls: CommandDef = {
  name: 'ls',
  usage: 'ls [resource[.group]] [name] [options]',
  summary: 'Lists Kubernetes objects stored in etcd',
  description:
    'Lists the objects under /registry: NAMESPACE, NAME, KIND, APIVERSION, AGE, SIZE (of the stored value)\n' +
    'and REVISION (its mod revision), and ENCRYPTED where values are encrypted at rest. The resource is\n' +
    'named as kubectl names it (pods, po, deployments.apps, deploy, widgets.example.com).',
  flags: [...NS_FLAGS, ...SOURCE_FLAGS],
  ownFormats: ['jsonl'],
  async run(ctx, args, f) {
    const fmt = format(ctx);
    const s = scope(args, f, 'k8s ls');
    // Tables show no more of the metadata than the brief summary holds.
    const { list, revision, problems } = await collect(ctx, f, s, fmt === 'plain' || fmt === 'table' ? 'table' : 'full');
    printObjects(fmt, list, revision, Date.now(), !s.namespace);
    undecrypted(problems);
  },
};

// The keys an object may be stored under: a namespaced one in the given
// (or the default) namespace, else a cluster-scoped one.
function candidates(args: string[], namespace: string): string[] {
  if (args.length === 1 && args[0]!.startsWith('/')) return [args[0]!];
  if (args.length !== 2) throw bad('k8s get needs a resource and a name, or a key');
  const prefix = resolveResource(args[0]!).prefix;
  return namespace ? [`${prefix}${namespace}/${args[1]}`] : [`${prefix}default/${args[1]}`, `${prefix}${args[1]}`];
}

async function find(ctx: Context, f: Flags, keys: string[]): Promise<StoredKv | undefined> {
  for (const k of keys) {
    const key = Buffer.from(k);
    const read = await open(ctx, f, key, Buffer.concat([key, Buffer.from([0])]));
    try {
      for await (const batch of read.each((x) => x)) {
        for (const p of read.problems.values()) throw new CliError(p);
        if (batch.length > 0) return batch[0];
      }
    } finally {
      read.close();
    }
  }
  return undefined;
}

// What `kubectl apply` must not be given back (--strip).
function stripped(o: JsonObject): JsonObject {
  const { status: _s, ...rest } = o;
  const md = rest.metadata;
  if (md !== null && typeof md === 'object' && !Array.isArray(md)) {
    const { resourceVersion: _r, uid: _u, creationTimestamp: _c, managedFields: _m, selfLink: _l, ...keep } = md;
    rest.metadata = keep;
  }
  return rest;
}

// `get <resource>` without a name: the matching objects as a `kind: List`,
// as `kubectl get -o yaml` prints them; without -n or -A, the default
// namespace's (and cluster-scoped ones). What does not decode fails the
// command after the list, naming each key.
async function getList(ctx: Context, args: string[], f: Flags, output: string): Promise<void> {
  const all = Boolean(f['all-namespaces']);
  const namespace = (f.namespace as string) || (all ? '' : 'default');
  const s = scope(args, f, 'k8s get');
  const read = await open(ctx, f, s.key, s.end);
  const items: JsonObject[] = [];
  const failed: string[] = [];
  try {
    const decode = (kv: StoredKv): JsonObject | string => {
      try {
        const o = toObject(classify(kv.value), kv.mod_revision);
        return f.strip ? stripped(o) : o;
      } catch (e) {
        if (e instanceof DecodeError) return `${kv.key.toString('utf8')}: ${e.message}`;
        throw e;
      }
    };
    for await (const batch of read.each(decode)) {
      for (const o of batch) {
        if (typeof o === 'string') failed.push(o);
        else {
          const md = o.metadata as JsonObject | undefined;
          const ns = typeof md?.namespace === 'string' ? md.namespace : '';
          if (namespace && ns && ns !== namespace) continue;
          items.push(o);
        }
      }
    }
  } finally {
    read.close();
  }
  const byKey = (o: JsonObject) => {
    const md = o.metadata as JsonObject | undefined;
    return `${md?.namespace ?? ''}/${md?.name ?? ''}`;
  };
  items.sort((a, b) => (byKey(a) < byKey(b) ? -1 : byKey(a) > byKey(b) ? 1 : 0));
  printObject(output, { apiVersion: 'v1', items, kind: 'List', metadata: { resourceVersion: '' } });
  undecrypted(read.problems);
  if (failed.length > 0)
    throw new CliError(
      `${failed.length} object${failed.length === 1 ? '' : 's'} could not be decoded and are not in the list: ${failed.slice(0, 3).join('; ')}${failed.length > 3 ? '; …' : ''}`,
    );
}

const get: CommandDef = {
  name: 'get',
  usage: 'get <resource> [name] [options] | get <key> [options]',
  summary: 'Prints Kubernetes objects stored in etcd, decoded',
  description:
    "Prints the object as the API server would serve it (metadata.resourceVersion is the key's mod\n" +
    'revision), as YAML or with -o json; --meta-only prints what its metadata says in brief. Without a\n' +
    'name, the matching objects as a `kind: List` (as kubectl get -o yaml); --strip leaves out what\n' +
    'kubectl apply must not get back (resourceVersion, uid, creationTimestamp, managedFields, selfLink, status).',
  flags: [
    { name: 'namespace', short: 'n', kind: 'string', def: '', help: 'The object\'s namespace (default: "default", then cluster-scoped)' },
    { name: 'all-namespaces', short: 'A', kind: 'bool', def: 'false', help: 'Without a name: objects in every namespace' },
    { name: 'output', short: 'o', kind: 'string', def: 'yaml', help: 'yaml or json' },
    { name: 'meta-only', kind: 'bool', def: 'false', help: 'Print the kind, key, revisions and metadata summary only' },
    {
      name: 'strip',
      kind: 'bool',
      def: 'false',
      help: 'Leave out what kubectl apply must not get back: resourceVersion, uid, creationTimestamp, managedFields, selfLink, status',
    },
    ...SOURCE_FLAGS,
  ],
  async run(ctx, args, f) {
    const output = f.output as string;
    if (output !== 'yaml' && output !== 'json') throw new CliError(`unknown output ${JSON.stringify(output)}: use yaml or json`, ExitCode.BadFeature);
    if (f.namespace && f['all-namespaces']) throw bad('--namespace and --all-namespaces cannot be set at the same time, choose one');
    if (args.length === 1 && !args[0]!.startsWith('/')) {
      if (f['meta-only']) throw bad('--meta-only is for one object: give its name (k8s ls lists many)');
      return getList(ctx, args, f, output);
    }
    if (f['all-namespaces']) throw bad('--all-namespaces is for a list: give a resource without a name');
    const keys = candidates(args, f.namespace as string);
    const kv = await find(ctx, f, keys);
    if (!kv)
      throw new CliError(
        `${args.length === 2 ? `${args[0]} ${JSON.stringify(args[1])}` : JSON.stringify(keys[0])} not found (looked at ${keys.join(', ')})`,
        ExitCode.Error,
      );
    let v;
    try {
      v = classify(kv.value);
      const out = f['meta-only'] ? summaryJson(summarize(kv)) : toObject(v, kv.mod_revision);
      printObject(output, f.strip && !f['meta-only'] ? stripped(out) : out);
    } catch (e) {
      if (e instanceof DecodeError) throw new CliError(`${kv.key.toString('utf8')} cannot be decoded: ${e.message}`, ExitCode.Error);
      throw e;
    }
  },
};

type Brief = Pick<ObjectSummary, 'key' | 'resource' | 'namespace' | 'name' | 'kind' | 'encoding' | 'size'>;

interface Group {
  name: string;
  objects: number;
  bytes: number;
  largest?: Brief;
}

const usage: CommandDef = {
  name: 'usage',
  usage: 'usage [options]',
  summary: 'Shows what fills the Kubernetes keyspace, by resource or namespace',
  description:
    'Counts the objects and the bytes of their current values per resource (or namespace), with each\n' +
    "one's share of the total and its largest object, then lists the largest objects. What to run when\n" +
    'etcd reports "database space exceeded".',
  flags: [
    { name: 'by', kind: 'string', def: 'resource', help: 'resource or namespace' },
    { name: 'top', kind: 'int', def: '10', help: 'How many of the largest objects to list' },
    ...SOURCE_FLAGS,
  ],
  async run(ctx, args, f) {
    if (args.length > 0) throw bad('k8s usage takes no arguments');
    const by = f.by as string;
    if (by !== 'resource' && by !== 'namespace') throw bad(`--by must be resource or namespace, not ${JSON.stringify(by)}`);
    const top = Number(f.top as bigint);
    if (top < 0) throw bad('--top must not be negative');
    const fmt = format(ctx);
    const key = Buffer.from(REGISTRY);
    const read = await open(ctx, f, key, prefixEnd(key));
    const groups = new Map<string, Group>();
    const largest: Brief[] = [];
    let total = 0;
    let objects = 0;
    try {
      // A snapshot's reader keeps one of these per key until its end: small,
      // with the strings many keys share held once.
      const shared = new Map<string, string>();
      const once = (x: string) => {
        const had = shared.get(x);
        if (had !== undefined) return had;
        shared.set(x, x);
        return x;
      };
      const brief = (kv: StoredKv): Brief => {
        const o = summarize(kv, 'count');
        return { key: o.key, resource: once(o.resource), namespace: once(o.namespace), name: o.name, kind: once(o.kind), encoding: o.encoding, size: o.size };
      };
      for await (const batch of read.each(brief)) {
        for (const o of batch) {
          const name = by === 'resource' ? o.resource : o.namespace || '(cluster)';
          let g = groups.get(name);
          if (!g) {
            g = { name, objects: 0, bytes: 0 };
            groups.set(name, g);
          }
          g.objects++;
          g.bytes += o.size;
          if (!g.largest || o.size > g.largest.size) g.largest = o;
          total += o.size;
          objects++;
          // The N largest so far, kept sorted and short.
          if (top > 0 && (largest.length < top || o.size > largest[largest.length - 1]!.size)) {
            largest.push(o);
            largest.sort((a, b) => b.size - a.size);
            if (largest.length > top) largest.pop();
          }
        }
      }
    } finally {
      read.close();
    }
    const problems = read.problems;
    const list = [...groups.values()].sort((a, b) => b.bytes - a.bytes || (a.name < b.name ? -1 : 1));
    printUsage(fmt, { revision: read.revision, by, objects, bytes: total, groups: list, largest });
    undecrypted(problems);
  },
};

const watch: CommandDef = {
  name: 'watch',
  usage: 'watch [resource[.group]] [options]',
  summary: 'Prints a line for every change to Kubernetes objects',
  description:
    'One line per change, as kubectl get -w would show it: time, ADDED, MODIFIED or DELETED, kind,\nnamespace/name, revision and size; -w jsonl writes one object a line.',
  flags: [
    { name: 'namespace', short: 'n', kind: 'string', def: '', help: 'Only objects in this namespace' },
    { name: 'rev', kind: 'int', def: '0', help: 'Start with the changes since this revision' },
    ENCRYPTION_FLAG,
  ],
  ownFormats: ['jsonl'],
  async run(ctx, args, f) {
    const fmt = format(ctx);
    // A change that cannot be decrypted is shown encrypted, with a warning: the watch goes on.
    const problems = new Map<string, string>();
    const dec = decrypter(keyring(f), problems);
    if (fmt === 'json' || fmt === 'table')
      throw new CliError(`${ctx.settings.format} not supported as output format (k8s watch writes simple and jsonl)`, ExitCode.BadFeature);
    const s = scope(args, { ...f, 'all-namespaces': false }, 'k8s watch');
    if (args.length > 1) throw bad('k8s watch takes at most a resource');
    const client = await ctx.client();
    const rev = f.rev as bigint;
    const line = (type: string, kv: KeyValue, shown: KeyValue) => {
      const o = summarize(dec(shown));
      for (const p of problems.values()) process.stderr.write(`etcdctl-ts: warning: ${p}\n`);
      problems.clear();
      if (s.namespace && o.namespace !== s.namespace) return;
      printWatchLine(fmt, type, o, kv.mod_revision, kv.value.length);
      stdout.flush();
    };
    const w = client.watch({ key: s.key, range_end: s.end, start_revision: rev > 0n ? rev : undefined, prev_kv: true }, (r) => {
      for (const e of r.events) {
        const kv = e.kv!;
        if (e.type === EventType.Delete) line('DELETED', kv, e.prev_kv ?? kv);
        else line(kv.create_revision === kv.mod_revision ? 'ADDED' : 'MODIFIED', kv, kv);
      }
    });
    await w.done;
  },
};

export const k8sCommand: CommandDef = {
  name: 'k8s',
  usage: 'k8s <subcommand>',
  summary: 'Reads Kubernetes objects stored in etcd (etcdctl-ts)',
  flags: [],
  subcommands: [ls, get, usage, watch, diff],
};
