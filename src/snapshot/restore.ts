// snapshot restore: a new data dir for each member of a new cluster, built
// under a temporary name and renamed into place when complete.
import { randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { closeSync, constants, existsSync, fsyncSync, ftruncateSync, lstatSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { discard, fileError, lockDir, lockHolder, namesIn, syncDir, track, untrack, type Lock } from '../base/files.js';
import { parseURLs, URLError } from '../client/urls.js';
import { BoltFile, branchBody, BUCKET_LEAF, buildTree, leafBody, metaPage, NO_FREELIST, packBucket, PageFlag, PageWriter, type Item } from './bbolt.js';
import { clusterId, memberId, memberJson, snapFile, snapName, WAL_NAME, WAL_SEGMENT_BYTES, walRecords, type RestoreMember } from './raft.js';
import { gunzipStream, isGzip } from './gzip.js';
import { checkSnapshotFile, dbStatus, hasTrailer, SnapshotError, TrailerSplit } from './status.js';

export interface RestoreOptions {
  snapshot: string;
  name: string;
  dataDir: string;
  // Explicit --wal-dir, else <data-dir>/member/wal.
  walDir?: string;
  initialCluster: string;
  token: string;
  advertisePeerURLs: string;
  skipHashCheck: boolean;
  bumpRevision: bigint;
  markCompacted: boolean;
}

// --- flags to members (etcd's types.NewURLs, NewURLsMap, VerifyBootstrap) ---

function peerURLs(list: string[]): string[] {
  try {
    return parseURLs(list);
  } catch (e) {
    if (e instanceof URLError) throw new SnapshotError(e.message);
    throw e;
  }
}

// As etcd's URLsMap parsing: empty entries are skipped, and an entry
// without "=" is a name with an empty URL (refused by the URL check).
function parseCluster(spec: string): Map<string, string[]> {
  const byName = new Map<string, string[]>();
  for (const part of spec.split(',')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const [name, url] = eq < 0 ? [part, ''] : [part.slice(0, eq), part.slice(eq + 1)];
    byName.set(name, [...(byName.get(name) ?? []), url]);
  }
  return new Map([...byName].map(([n, urls]) => [n, peerURLs(urls)]));
}

// Go's %q of a []string: ["a" "b"].
const goQuoted = (list: string[]) => `[${list.map((s) => JSON.stringify(s)).join(' ')}]`;

// Why two sorted URL lists differ once host names are resolved, as etcd's
// URLStringsEqual words it; undefined when they match.
async function urlsDiffer(a: string[], b: string[]): Promise<string | undefined> {
  if (a.length !== b.length) return `len(${goQuoted(a)}) != len(${goQuoted(b)})`;
  const [ra, rb] = await Promise.all([resolved(a), resolved(b)]);
  const i = ra.findIndex((u, k) => u !== rb[k]);
  if (i < 0) return undefined;
  return `resolved urls: ${JSON.stringify(ra[i])} != ${JSON.stringify(rb[i])}`;
}

// etcd's check that this member's advertised peer URLs are its URLs in
// --initial-cluster, with its messages.
async function checkAdvertised(name: string, advertised: string[], mine: string[]): Promise<void> {
  const why = await urlsDiffer(advertised, mine);
  if (why === undefined) return;
  const asCluster = advertised.map((u) => `${name}=${u}`).join(',');
  const notAdvertised = mine.filter((u) => !advertised.includes(u));
  if (notAdvertised.length) {
    throw new SnapshotError(
      `--initial-cluster has ${notAdvertised.map((u) => `${name}=${u}`).join(',')} but missing from --initial-advertise-peer-urls=${advertised.join(',')} (${why})`,
    );
  }
  const notInCluster = advertised.filter((u) => !mine.includes(u));
  if (notInCluster.length)
    throw new SnapshotError(`--initial-advertise-peer-urls has ${notInCluster.join(',')} but missing from --initial-cluster=${asCluster}`);
  throw new SnapshotError(`failed to resolve ${advertised.join(',')} to match --initial-cluster=${asCluster} (${why})`);
}

// Host names compare by address, as etcd resolves both sides (all but
// IP addresses and "localhost", which it leaves as they are).
async function resolved(urls: string[]): Promise<string[]> {
  return Promise.all(
    urls.map(async (s) => {
      const u = new URL(s);
      const host = u.hostname.replace(/^\[|\]$/g, '');
      if (host === 'localhost' || isIP(host)) return s;
      try {
        const { address } = await lookup(host);
        return `${u.protocol}//${address.includes(':') ? `[${address}]` : address}:${u.port}`;
      } catch {
        return s;
      }
    }),
  ).then((x) => x.sort());
}

async function members(o: RestoreOptions): Promise<{ self: RestoreMember; all: RestoreMember[]; cluster: bigint }> {
  const map = parseCluster(o.initialCluster);
  const advertised = peerURLs(o.advertisePeerURLs.split(','));
  const mine = map.get(o.name);
  if (!mine) throw new SnapshotError(`couldn't find local name ${JSON.stringify(o.name)} in the initial cluster configuration`);
  await checkAdvertised(o.name, advertised, mine);
  const seen = new Set<string>();
  for (const urls of map.values()) {
    for (const u of urls) {
      if (seen.has(u)) throw new SnapshotError(`initial cluster ${o.initialCluster} has duplicate url ${u}`);
      seen.add(u);
    }
  }
  const all = [...map].map(([name, urls]) => ({ id: memberId(urls, o.token), name, peerURLs: urls }));
  const ids = new Set<bigint>();
  for (const m of all) {
    if (m.id === 0n) throw new SnapshotError('cannot use 0 as member id');
    if (ids.has(m.id)) throw new SnapshotError('member exists with identical ID');
    ids.add(m.id);
  }
  all.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { self: all.find((m) => m.name === o.name)!, all, cluster: clusterId(all.map((m) => m.id)) };
}

// --- the database ---

// Go's %v of a byte slice: [35 42 …].
const goBytes = (b: Buffer) => `[${[...b].join(' ')}]`;

// Copies the snapshot (plain or gzip) without its sha256 trailer, checking
// the trailer. It reads asynchronously, so that a signal is handled while
// it copies (and the temporary data dir removed) rather than after.
async function copyDb(src: string, dst: string, skipHashCheck: boolean): Promise<void> {
  const gzip = isGzip(src);
  if (!gzip && !hasTrailer(statSync(src).size) && !skipHashCheck) throw new SnapshotError('snapshot missing hash but --skip-hash-check=false');
  let to: number;
  try {
    to = openSync(dst, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  } catch (e) {
    throw fileError('create', dst, e);
  }
  const write = (b: Buffer) => {
    try {
      writeSync(to, b);
    } catch (e) {
      throw fileError('write', dst, e);
    }
  };
  try {
    const split = new TrailerSplit();
    if (gzip) await gunzipStream(src, (b) => write(split.push(b)));
    else {
      const fh = await open(src, 'r');
      try {
        const buf = Buffer.allocUnsafe(1 << 20);
        for (;;) {
          const { bytesRead } = await fh.read(buf, 0, buf.length, null);
          if (bytesRead === 0) break;
          write(split.push(buf.subarray(0, bytesRead)));
        }
      } finally {
        await fh.close();
      }
    }
    const end = split.end();
    if ('rest' in end) {
      if (!skipHashCheck) throw new SnapshotError('snapshot missing hash but --skip-hash-check=false');
      write(end.rest);
    } else if (!skipHashCheck && !end.digest.equals(end.trailer))
      throw new SnapshotError(`expected sha256 ${goBytes(end.trailer)}, got ${goBytes(end.digest)}`);
    try {
      fsyncSync(to);
    } catch (e) {
      throw fileError('sync', dst, e);
    }
  } finally {
    closeSync(to);
  }
  // Without the hash, the structure is what says a database will boot.
  if (skipHashCheck) {
    try {
      dbStatus(dst, statSync(dst).size);
    } catch (e) {
      if (e instanceof SnapshotError)
        throw new SnapshotError(
          `${src} is not a usable snapshot (--skip-hash-check skips the sha256, not the structure): ${e.message.replace(`${dst} is not a usable snapshot: `, '')}`,
        );
      throw e;
    }
  }
}

// Temporary dirs that a killed restore left beside `final` (none that a
// running restore holds): named on stderr, and removed.
function sweepLeftovers(final: string): void {
  const dir = dirname(final);
  for (const n of namesIn(dir)) {
    if (!n.startsWith(`${basename(final)}.restoring-`) || !/\.restoring-[0-9a-f]{8}$/.test(n)) continue;
    const p = join(dir, n);
    if (!lstatSync(p).isDirectory() || lockHolder(p) !== undefined) continue;
    rmSync(p, { recursive: true, force: true });
    process.stderr.write(`etcdctl-ts: removed ${p}, left by a snapshot restore that did not finish\n`);
  }
}

const u64 = (v: bigint | number) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(v));
  return b;
};

// etcd's revision key: main, '_', sub.
const revKey = (main: bigint) => Buffer.concat([u64(main), Buffer.from('_'), u64(0)]);
const byKey = (a: Item, b: Item) => Buffer.compare(a.key, b.key);

// Rewrites the membership and raft index in a copied database without
// touching its key tree: changed buckets and a new root page are appended,
// then a new meta page points at them (bbolt's copy-on-write commit).
// With a revision bump, the right-most path of the key tree is copied too.
function rewriteDb(path: string, all: RestoreMember[], bump: bigint, markCompacted: boolean): void {
  const db = BoltFile.open(path, true);
  try {
    const ps = db.meta.pageSize;
    const w = new PageWriter(ps, db.meta.pgid, (id, pages) => db.writePages(id, pages));
    const top = new Map<string, Buffer>();
    for (const b of db.buckets()) top.set(b.key.toString('latin1'), b.value);
    const bucketValue = (name: string, items: Item[]) => packBucket(w, items, top.get(name) ?? Buffer.alloc(16));
    const itemsOf = (name: string) => (top.has(name) ? [...db.bucket(top.get(name)!, name)] : []);

    const meta = new Map(itemsOf('meta').map((it) => [it.key.toString('latin1'), it]));
    const put = (k: string, v: Buffer) => meta.set(k, { flags: 0, key: Buffer.from(k, 'latin1'), value: v });
    put('consistent_index', u64(all.length));
    put('term', u64(1));
    if (bump > 0n) {
      const keyBucket = top.get('key');
      const latest = keyBucket ? lastRevision(db, keyBucket) : 0n;
      const bumped = revKey(latest + bump);
      top.set('key', appendLargest(db, keyBucket, { flags: 0, key: bumped, value: Buffer.alloc(0) }, w));
      if (markCompacted) put('scheduledCompactRev', bumped);
    }
    top.set('meta', bucketValue('meta', [...meta.values()].sort(byKey)));
    top.set(
      'members',
      bucketValue('members', all.map((m) => ({ flags: 0, key: Buffer.from(m.id.toString(16)), value: Buffer.from(memberJson(m)) })).sort(byKey)),
    );
    top.set('members_removed', bucketValue('members_removed', []));

    const rootItems = [...top].map(([name, value]) => ({ flags: BUCKET_LEAF, key: Buffer.from(name, 'latin1'), value })).sort(byKey);
    const root = buildTree(w, rootItems);
    const txid = db.meta.txid + 1n;
    db.writePages(Number(txid % 2n), metaPage(Number(txid % 2n), ps, { pageSize: ps, root, freelist: NO_FREELIST, pgid: w.next, txid }));
    fsyncSync(db.descriptor);
  } finally {
    db.close();
  }
}

// The main revision of the last key in the key bucket (0 when empty).
function lastRevision(db: BoltFile, bucket: Buffer): bigint {
  const last = db.lastKey(bucket, 'key');
  return last && last.length >= 8 ? last.readBigUInt64BE(0) : 0n;
}

// A bucket value with `item` (larger than every key) added: the leaf and
// the branch pages above it are copied, the rest of the tree is shared.
function appendLargest(db: BoltFile, bucket: Buffer | undefined, item: Item, w: PageWriter): Buffer {
  if (!bucket || bucket.readBigUInt64LE(0) === 0n) {
    const items = bucket ? [...db.bucket(bucket, 'key')] : [];
    return packBucket(w, [...items, item], bucket ?? Buffer.alloc(16));
  }
  const cow = (id: number): number => {
    const p = db.page(id);
    const elems = db.elements(p);
    if (p.flags === PageFlag.Leaf) return w.write(PageFlag.Leaf, elems.length + 1, leafBody([...elems, item]));
    const children = elems.map((e) => ({ key: e.key, pgid: e.child }));
    children[children.length - 1]!.pgid = cow(children.at(-1)!.pgid);
    return w.write(PageFlag.Branch, children.length, branchBody(children));
  };
  const header = Buffer.from(bucket.subarray(0, 16));
  header.writeBigUInt64LE(BigInt(cow(Number(bucket.readBigUInt64LE(0)))));
  return header;
}

// --- the whole restore ---

function mkdirPrivate(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

function writeSynced(path: string, data: Buffer, mode: number, length?: number): void {
  const fd = openSync(path, 'w', mode);
  try {
    writeSync(fd, data);
    if (length !== undefined) ftruncateSync(fd, length);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export async function restore(o: RestoreOptions): Promise<void> {
  const { self, all, cluster } = await members(o);
  if (existsSync(o.dataDir)) throw new SnapshotError(`data-dir ${JSON.stringify(o.dataDir)} exists`);
  if (o.walDir !== undefined && existsSync(o.walDir)) throw new SnapshotError(`wal-dir ${JSON.stringify(o.walDir)} exists`);
  checkSnapshotFile(o.snapshot);

  // Built beside their final places, so the renames stay on one file system.
  // A WAL dir inside the data dir is built inside its temporary dir, so
  // that one rename puts both in place.
  const tag = `.restoring-${randomBytes(4).toString('hex')}`;
  const temporary = (p: string) => join(dirname(p), basename(p) + tag);
  const within = (outer: string, inner: string) => {
    const r = relative(outer, inner);
    return r === '' || (!r.startsWith('..') && !isAbsolute(r));
  };
  const dataFinal = resolve(o.dataDir);
  const walFinal = o.walDir === undefined ? join(dataFinal, 'member', 'wal') : resolve(o.walDir);
  if (within(walFinal, dataFinal)) {
    // etcd wants the WAL dir to itself; etcdctl refuses this too (after
    // creating part of the data dir, which it leaves behind).
    const first = relative(walFinal, dataFinal).split(sep)[0] || 'member';
    throw new SnapshotError(`expected ${JSON.stringify(o.walDir)} to be empty, got ${goQuoted([first])}`);
  }
  const nested = within(dataFinal, walFinal);
  const dataTmp = temporary(dataFinal);
  const walTmp = nested ? join(dataTmp, relative(dataFinal, walFinal)) : temporary(walFinal);
  const renames: [string, string][] = nested
    ? [[dataTmp, dataFinal]]
    : [
        [walTmp, walFinal],
        [dataTmp, dataFinal],
      ];
  const placed: string[] = [];
  sweepLeftovers(dataFinal);
  if (!nested) sweepLeftovers(walFinal);
  // Removed if the process exits or is signalled before they are placed,
  // and locked, so the sweep above of a later run leaves them alone.
  const locks: Lock[] = [];
  try {
    for (const [tmp] of renames) {
      // Tracked before it exists, so that a signal finds the handler in place.
      track(tmp);
      mkdirPrivate(tmp);
      locks.push(lockDir(tmp));
    }
    const snapDir = join(dataTmp, 'member', 'snap');
    mkdirPrivate(snapDir);
    const db = join(snapDir, 'db');
    await copyDb(o.snapshot, db, o.skipHashCheck);
    try {
      rewriteDb(db, all, o.bumpRevision, o.markCompacted);
    } catch (e) {
      if (e instanceof SnapshotError) throw e;
      throw new SnapshotError(`${o.snapshot} is not a usable snapshot: ${(e as Error).message}`);
    }
    writeSynced(join(snapDir, snapName(all.length)), snapFile(all), 0o666);
    mkdirPrivate(walTmp);
    writeSynced(join(walTmp, WAL_NAME), walRecords(self.id, cluster, all), 0o600, WAL_SEGMENT_BYTES);
    for (const d of new Set([snapDir, walTmp, dirname(walTmp), join(dataTmp, 'member'), dataTmp])) syncDir(d);
    for (const [from, to] of renames) {
      renameSync(from, to);
      untrack(from);
      placed.push(to);
      syncDir(dirname(to));
    }
  } catch (e) {
    for (const [from] of renames) discard(from);
    // Neither existed before (checked above): a half-placed pair goes too.
    for (const p of placed) rmSync(p, { recursive: true, force: true });
    throw e;
  } finally {
    for (const l of locks) l.release();
  }
}
