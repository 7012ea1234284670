// make-mirror: copies a prefix to another cluster, then follows its changes.
import { bytes } from '../base/bytes.js';
import { CliError, ExitCode } from '../base/errors.js';
import { credentials, readTlsFile } from '../cli/global.js';
import type { CommandDef } from '../cli/registry.js';
import type { EtcdClient } from '../client/etcd.js';
import { PagedRange } from '../client/paged.js';
import { prefixEnd } from '../client/prefix.js';
import { EventType, type RequestOp, type WatchResponse } from '../client/types.js';
import { stdout } from '../output/out.js';

const bad = (msg: string) => new CliError(msg, ExitCode.BadArgs);

const COMPACTED = 'etcdserver: mvcc: required revision has been compacted';

// Swaps the first occurrence of the source prefix for the destination's,
// byte for byte, as etcdctl's strings.Replace(key, prefix, dest, 1).
function renamer(from: Buffer, to: Buffer): (key: Buffer) => Buffer {
  return (key) => {
    const at = key.indexOf(from);
    if (at < 0) return key;
    return Buffer.concat([key.subarray(0, at), to, key.subarray(at + from.length)]);
  };
}

export const makeMirrorCommand: CommandDef = {
  name: 'make-mirror',
  usage: 'make-mirror [options] <destination>',
  summary: 'Makes a mirror at the destination etcd cluster',
  flags: [
    { name: 'dest-cacert', kind: 'string', def: '', help: 'Verify certificates of TLS enabled secure servers using this CA bundle' },
    { name: 'dest-cert', kind: 'string', def: '', help: 'Identify secure client using this TLS certificate file for the destination cluster' },
    { name: 'dest-insecure-transport', kind: 'bool', def: 'true', help: 'Disable transport security for client connections' },
    { name: 'dest-key', kind: 'string', def: '', help: 'Identify secure client using this TLS key file' },
    {
      name: 'dest-password',
      kind: 'string',
      def: '',
      help: "Destination password for authentication (if this option is used, --user option shouldn't include password)",
    },
    { name: 'dest-prefix', kind: 'string', def: '', help: 'destination prefix to mirror a prefix to a different prefix in the destination cluster' },
    { name: 'dest-user', kind: 'string', def: '', help: 'Destination username[:password] for authentication (prompt if password is not supplied)' },
    { name: 'no-dest-prefix', kind: 'bool', def: 'false', help: 'mirror key-values to the root of the destination cluster' },
    { name: 'prefix', kind: 'string', def: '', help: 'Key-value prefix to mirror' },
    { name: 'rev', kind: 'int', def: '0', help: 'Specify the kv revision to start to mirror (no initial copy; etcdctl 3.6)' },
    { name: 'max-txn-ops', kind: 'uint', def: '128', help: 'Maximum number of operations permitted in a transaction during syncing updates (etcdctl 3.6)' },
  ],
  async run(ctx, args, f) {
    if (args.length !== 1) throw bad('make-mirror takes one destination argument');
    const [cert, key, ca] = [f['dest-cert'], f['dest-key'], f['dest-cacert']] as string[];
    const dest = await ctx.derivedClient({
      endpoints: [args[0]!],
      tlsByDefault: Boolean(cert || key || ca) || !f['dest-insecure-transport'],
      tls: {
        cert: cert ? readTlsFile(cert) : undefined,
        key: key ? readTlsFile(key) : undefined,
        ca: ca ? readTlsFile(ca) : undefined,
        insecureSkipVerify: false,
      },
      auth: await credentials(f['dest-user'] as string, f['dest-password'] as string),
    });
    const src = await ctx.client();
    if (f['no-dest-prefix'] && f['dest-prefix'] !== '') throw bad('`--dest-prefix` and `--no-dest-prefix` cannot be set at the same time, choose one');
    const prefix = bytes(f.prefix as string);
    const destPrefix = f['no-dest-prefix'] ? Buffer.alloc(0) : bytes((f['dest-prefix'] as string) || (f.prefix as string));
    const rename = renamer(prefix, destPrefix);

    // As etcdctl 3.6: --rev N watches from N on (1 or less copies first).
    const startRev = (f.rev as bigint) > 1n ? (f.rev as bigint) - 1n : 0n;
    const maxOps = Math.max(1, Number(f['max-txn-ops'] as bigint));

    let total = 0;
    const ticker = setInterval(() => {
      stdout.write(`${total}\n`);
      stdout.flush();
    }, 30000);
    try {
      const rev = startRev > 0n ? startRev : await copyBase(src, dest, prefix, rename, () => total++);
      await follow(src, dest, prefix, rev, rename, maxOps, () => total++);
    } finally {
      clearInterval(ticker);
    }
  },
};

// Copies every key under the prefix as of one revision, page by page;
// returns that revision.
async function copyBase(src: EtcdClient, dest: EtcdClient, prefix: Buffer, rename: (k: Buffer) => Buffer, count: () => void): Promise<bigint> {
  const range = prefix.length === 0 ? { key: Buffer.from([0]), range_end: Buffer.from([0]) } : { key: prefix, range_end: prefixEnd(prefix) };
  const paged = new PagedRange(src, range);
  for await (const kvs of paged.pages()) {
    for (const kv of kvs) {
      await dest.put({ key: rename(kv.key), value: kv.value });
      count();
    }
  }
  return paged.revision;
}

// Replays every later change on the destination, one transaction per
// source revision (split every `maxOps` operations), until the watch fails.
async function follow(
  src: EtcdClient,
  dest: EtcdClient,
  prefix: Buffer,
  rev: bigint,
  rename: (k: Buffer) => Buffer,
  maxOps: number,
  count: () => void,
): Promise<void> {
  const queue: WatchResponse[] = [];
  let wake: (() => void) | undefined;
  const w = src.watch(
    { key: prefix.length === 0 ? Buffer.from([0]) : prefix, range_end: prefix.length === 0 ? Buffer.from([0]) : prefixEnd(prefix), start_revision: rev + 1n },
    (r) => {
      queue.push(r);
      wake?.();
    },
  );
  let ended: unknown = null;
  w.done
    .then(
      () => (ended = 'canceled'),
      (e: unknown) => (ended = e),
    )
    .finally(() => wake?.());
  for (;;) {
    const r = queue.shift();
    if (!r) {
      if (ended !== null) break;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      continue;
    }
    if (r.compact_revision !== 0n) {
      w.cancel();
      throw new CliError(COMPACTED);
    }
    let ops: RequestOp[] = [];
    let last = 0n;
    for (const ev of r.events) {
      const kv = ev.kv!;
      if ((last !== 0n && kv.mod_revision > last) || ops.length >= maxOps) {
        await dest.txn({ compare: [], success: ops, failure: [] });
        ops = [];
      }
      last = kv.mod_revision;
      ops.push(ev.type === EventType.Delete ? { request_delete_range: { key: rename(kv.key) } } : { request_put: { key: rename(kv.key), value: kv.value } });
      count();
    }
    if (ops.length > 0) await dest.txn({ compare: [], success: ops, failure: [] });
  }
  if (ended !== 'canceled') throw ended;
  throw new CliError('watch is canceled by the server');
}
