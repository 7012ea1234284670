// What the k8s commands read: the cluster (paged, at one revision) or a
// snapshot file, with values encrypted at rest decrypted by the keys of
// --encryption-provider-config, and the resource and namespace they name.
import { createHash } from 'node:crypto';
import { bytes } from '../base/bytes.js';
import { FileError, readBounded } from '../base/files.js';
import { CliError, ExitCode } from '../base/errors.js';
import type { Context } from '../cli/global.js';
import type { Flags } from '../cli/registry.js';
import { PagedRange } from '../client/paged.js';
import { prefixEnd } from '../client/prefix.js';
import type { KeyValue } from '../client/types.js';
import type { DiffEntry } from '../k8s/diff.js';
import { EncryptionError, Keyring } from '../k8s/encryption.js';
import { REGISTRY, resolveResource, resourceOfKey } from '../k8s/resources.js';
import type { StoredKv } from '../k8s/summary.js';
import type { K8sFormat } from '../output/k8s.js';
import { openKeyspace, type Keyspace } from '../snapshot/keyspace.js';
import { openPlain } from '../snapshot/plain.js';
import { SnapshotError } from '../snapshot/errors.js';
import { checkSnapshotFile } from '../snapshot/status.js';

export const bad = (msg: string) => new CliError(msg, ExitCode.BadArgs);

export const ENCRYPTION_FLAG = {
  name: 'encryption-provider-config',
  kind: 'string' as const,
  def: '',
  help: "kube-apiserver's EncryptionConfiguration (--encryption-provider-config): decrypt values encrypted at rest (aescbc, aesgcm, secretbox)",
};
export const SOURCE_FLAGS = [
  ENCRYPTION_FLAG,
  { name: 'snapshot', kind: 'string' as const, def: '', help: "Read a snapshot file (or a member's db) instead of the cluster; no etcd is contacted" },
  { name: 'rev', kind: 'int' as const, def: '0', help: 'Read the cluster at this revision (live only)' },
  {
    name: 'force',
    kind: 'bool' as const,
    def: 'false',
    help: 'With --snapshot: print what a damaged file still holds, with a warning listing what could not be read',
  },
];
export const NS_FLAGS = [
  { name: 'namespace', short: 'n', kind: 'string' as const, def: '', help: 'Only objects in this namespace' },
  { name: 'all-namespaces', short: 'A', kind: 'bool' as const, def: 'false', help: 'Objects in every namespace (the default)' },
];

export function format(ctx: Context): K8sFormat {
  const f = ctx.settings.format;
  if (f === 'simple') return 'plain';
  if (f === 'table' || f === 'json' || f === 'jsonl') return f;
  throw new CliError(`${f} not supported as output format (k8s commands write simple, table, json and jsonl)`, ExitCode.BadFeature);
}

// The keys of --encryption-provider-config, or undefined without it: read
// once per command, however many reads it makes (get tries two keys).
const keyrings = new WeakMap<Flags, Keyring | undefined>();
export function keyring(f: Flags): Keyring | undefined {
  if (!keyrings.has(f)) keyrings.set(f, readKeyring(f));
  return keyrings.get(f);
}

function readKeyring(f: Flags): Keyring | undefined {
  const file = f['encryption-provider-config'] as string;
  if (!file) return undefined;
  let text: string;
  try {
    text = readBounded(file, 1 << 20).toString('utf8');
  } catch (e) {
    if (e instanceof FileError) throw new CliError(`--encryption-provider-config: ${e.message}`);
    throw e;
  }
  // Loaded only here: YAML is read nowhere else.
  const { parse, YAMLParseError } = require('yaml') as typeof import('yaml');
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    if (e instanceof YAMLParseError) throw new CliError(`--encryption-provider-config: ${file} is not YAML: ${e.message.split('\n')[0]}`);
    throw e;
  }
  try {
    return Keyring.from(doc, file);
  } catch (e) {
    if (e instanceof EncryptionError) throw new CliError(`--encryption-provider-config: ${e.message}`);
    throw e;
  }
}

// A stored key-value with its value decrypted where a key opens it.
// Values that cannot be are left as they are and said in `problems`, by
// key: a later version of the key (a snapshot hands out every one) that
// does decrypt takes its problem back.
export function decrypter(ring: Keyring | undefined, problems: Map<string, string>): (kv: StoredKv) => StoredKv {
  if (!ring) return (kv) => kv;
  return (kv) => {
    const key = kv.key.toString('utf8');
    const id = kv.key.toString('latin1');
    problems.delete(id);
    try {
      const d = ring.decrypt(key, resourceOfKey(key), kv.value);
      return d ? { ...kv, value: d.plain, encryption: { provider: d.provider, key: d.key }, stored: kv.value.length } : kv;
    } catch (e) {
      if (!(e instanceof EncryptionError)) throw e;
      problems.set(id, e.message);
      return kv;
    }
  };
}

// After a listing: values that stayed encrypted fail the command.
export function undecrypted(problems: Map<string, string>): void {
  if (problems.size === 0) return;
  const list = [...problems.values()];
  throw new CliError(
    `${list.length} encrypted value${list.length === 1 ? '' : 's'} could not be decrypted: ${list.slice(0, 3).join('; ')}${list.length > 3 ? '; …' : ''}`,
  );
}

export interface Read {
  revision: bigint;
  // Decryption failures of the values handed out so far, by key.
  problems: Map<string, string>;
  // What `f` makes of every stored key-value under [key, end): in key
  // order live; from a snapshot, of each key's last version, in the order
  // they were last written.
  each<T>(f: (kv: StoredKv) => T): AsyncIterable<T[]>;
  close(): void;
}

async function openSnapshot(snapshot: string): Promise<{ ks: Keyspace; close: () => void }> {
  checkSnapshotFile(snapshot);
  const plain = await openPlain(snapshot);
  let ks: Keyspace;
  try {
    ks = openKeyspace(plain.path, snapshot);
  } catch (e) {
    plain.close();
    throw e;
  }
  return {
    ks,
    close: () => {
      ks.close();
      plain.close();
    },
  };
}

// Once a snapshot's keys are read: a damaged file is an error, not a
// shorter answer, unless --force.
async function whole(ks: Keyspace, snapshot: string, force: boolean): Promise<void> {
  try {
    await ks.trailer;
  } catch (e) {
    // Named, as a diff reads two.
    if (e instanceof SnapshotError) throw new CliError(`${snapshot}: ${e.message}`);
    throw e;
  }
  const damage = ks.problems();
  if (damage.length === 0) return;
  const list = `${damage.length} problem${damage.length === 1 ? '' : 's'}: ${damage.slice(0, 10).join('; ')}${damage.length > 10 ? '; …' : ''}`;
  if (!force) throw new CliError(`${snapshot} is damaged, so what it holds cannot all be read (${list}); --force prints what can be read`);
  process.stderr.write(`etcdctl-ts: warning: ${snapshot} is damaged; what follows leaves out what could not be read (${list})\n`);
}

// One side of a diff: a snapshot file, or the cluster at a revision (0n:
// now), its keys under [key, end) in key order.
export interface Side {
  revision: bigint;
  problems: Map<string, string>;
  entries: AsyncIterable<DiffEntry[]>;
  close(): void;
}

const digest = (value: Uint8Array) => createHash('sha1').update(value).digest().toString('latin1');
const BATCH = 1000;

export async function openSide(ctx: Context, f: Flags, source: { snapshot: string } | { rev: bigint }, key: Buffer, end: Buffer): Promise<Side> {
  const problems = new Map<string, string>();
  const dec = decrypter(keyring(f), problems);
  if ('snapshot' in source) {
    const { ks, close } = await openSnapshot(source.snapshot);
    return {
      revision: ks.revision,
      problems,
      entries: (async function* () {
        // Of each key's latest version, one string: where it is stored (17
        // bytes, starting with its mod revision) and a digest of its value;
        // the value is read again only if it differs.
        const index = ks.latest(key, end, (kv, at) => at.toString('latin1') + digest(kv.value));
        await whole(ks, source.snapshot, Boolean(f.force));
        const ids = [...index.keys()].sort();
        for (let i = 0; i < ids.length; i += BATCH) {
          yield ids.slice(i, i + BATCH).map((id): DiffEntry => {
            const e = index.get(id)!;
            const at = Buffer.from(e.slice(0, 17), 'latin1');
            return {
              id,
              modRevision: at.readBigUInt64BE(0),
              digest: () => e.slice(17),
              load: () => {
                const kv = ks.stored(at);
                if (!kv)
                  throw new CliError(
                    `${source.snapshot}: the version of ${JSON.stringify(Buffer.from(id, 'latin1').toString('utf8'))} at revision ${at.readBigUInt64BE(0)} cannot be read back`,
                  );
                return dec(kv);
              },
            };
          });
        }
      })(),
      close,
    };
  }
  const live = await livePages(ctx, key, end, source.rev);
  return {
    get revision() {
      return live.revision;
    },
    problems,
    entries: (async function* () {
      for await (const kvs of live.pages())
        yield [...kvs].map(
          (kv): DiffEntry => ({ id: kv.key.toString('latin1'), modRevision: kv.mod_revision, digest: () => digest(kv.value), load: () => dec(kv) }),
        );
    })(),
    close: () => undefined,
  };
}

// The cluster's keys under [key, end) at `rev` (0n: now), page by page; the
// first page is read at once, and pins the revision the rest is read at.
async function livePages(ctx: Context, key: Buffer, end: Buffer, rev: bigint): Promise<{ revision: bigint; pages(): AsyncIterable<Iterable<KeyValue>> }> {
  const client = await ctx.client();
  const paged = new PagedRange(client, { key, range_end: end, revision: rev }, { deadline: () => ctx.commandDeadline() });
  const rest = paged.pages();
  const first = await rest.next();
  return {
    get revision() {
      return paged.revision;
    },
    async *pages() {
      if (!first.done) yield first.value;
      yield* rest;
    },
  };
}

// The key range to read, from the cluster or a snapshot file.
export async function open(ctx: Context, f: Flags, key: Buffer, end: Buffer): Promise<Read> {
  const snapshot = f.snapshot as string;
  const rev = f.rev as bigint;
  const problems = new Map<string, string>();
  const dec = decrypter(keyring(f), problems);
  if (snapshot) {
    if (rev > 0n) throw bad('--rev reads the cluster; a snapshot holds only its latest revision');
    const { ks, close } = await openSnapshot(snapshot);
    return {
      revision: ks.revision,
      problems,
      each: (fn) =>
        (async function* () {
          const got = ks.latest(key, end, (kv) => fn(dec(kv)));
          // Keys deleted since: nothing of them is shown.
          for (const k of problems.keys()) if (!got.has(k)) problems.delete(k);
          await whole(ks, snapshot, Boolean(f.force));
          yield [...got.values()];
        })(),
      close,
    };
  }
  const live = await livePages(ctx, key, end, rev > 0n ? rev : 0n);
  return {
    get revision() {
      return live.revision;
    },
    problems,
    each: <T>(fn: (kv: StoredKv) => T) =>
      (async function* () {
        for await (const kvs of live.pages()) {
          const out: T[] = [];
          for (const kv of kvs) out.push(fn(dec(kv)));
          yield out;
        }
      })(),
    close: () => undefined,
  };
}

export interface Scope {
  key: Buffer;
  end: Buffer;
  namespace: string;
  name: string;
}

export function scope(args: string[], f: Flags, command: string): Scope {
  if (args.length > 2) throw bad(`${command} takes at most a resource and a name`);
  const namespace = f.namespace as string;
  if (namespace && f['all-namespaces']) throw bad('--namespace and --all-namespaces cannot be set at the same time, choose one');
  let prefix = REGISTRY;
  if (args.length > 0) {
    prefix = resolveResource(args[0]!).prefix;
    // A resource and a namespace narrow the read to that namespace's keys.
    if (namespace) prefix += `${namespace}/`;
  }
  const key = bytes(prefix);
  return { key, end: prefixEnd(key), namespace, name: args[1] ?? '' };
}
