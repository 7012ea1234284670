// snapshot list: every snapshot file in a directory, or every file a save
// pattern could have made, each verified (its structure and sha256 trailer,
// and its <file>.sha256 where there is one), with the temporaries that
// interrupted saves left behind.
import { closeSync, constants, lstatSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { FileError, lockHolder, namesIn, readBounded } from '../base/files.js';
import { SnapshotError } from '../snapshot/errors.js';
import { dbStatus, hasTrailer, sha256Prefix } from '../snapshot/status.js';
import { GzipError, isGzip } from '../snapshot/gzip.js';
import { hasPlaceholders, patternRe, produced } from './names.js';
import { withPlain } from '../snapshot/plain.js';

export interface Listed {
  name: string;
  path: string;
  modified: Date;
  size: number;
  compressed: boolean;
  revision?: bigint;
  totalKey?: number;
  // ok, none (a raw db without one), bad, or partial (a save's temporary)
  trailer: 'ok' | 'none' | 'bad' | 'partial';
  checksumFile: 'ok' | 'missing' | 'bad' | 'n/a';
  // ok; bad (it would not restore); leftover (of a save that was
  // interrupted); saving (a running save's temporary)
  status: 'ok' | 'bad' | 'leftover' | 'saving';
  error?: string;
}

// A bbolt file's first meta page carries its magic at offset 16.
function isBolt(path: string): boolean {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const b = Buffer.alloc(20);
    return readSync(fd, b, 0, 20, 0) === 20 && b.readUInt32LE(16) === 0xed0cdaed;
  } finally {
    closeSync(fd);
  }
}

// Names that say "snapshot" whatever the content: a 0-byte or garbled file
// under such a name is a failed backup, not a stranger.
const SNAPSHOT_NAME = /\.(db|snap|snapshot)(\.gz)?$/;
const TEMP = /^(.+?)(?:\.[0-9a-f]{8})?\.part$/;

// Whether a running save is writing the temporary `name` of `target`: it
// holds .<pattern>.lock in the same directory, which names the temporary.
function saving(dir: string, target: string, name: string): boolean {
  return namesIn(dir).some((n) => {
    if (!n.startsWith('.') || !n.endsWith('.lock') || !patternRe(n.slice(1, -5)).test(target)) return false;
    const lock = join(dir, n);
    let says = '';
    try {
      says = readBounded(lock, 4096).toString();
    } catch {
      return false;
    }
    return says.split('\n').includes(`writing ${name}`) && lockHolder(lock) !== undefined;
  });
}

async function verify(path: string): Promise<Listed> {
  const name = basename(path);
  const st = statSync(path);
  const item: Listed = { name, path, modified: st.mtime, size: st.size, compressed: false, trailer: 'none', checksumFile: 'missing', status: 'ok' };
  const temp = TEMP.exec(name);
  if (temp) {
    const running = saving(dirname(path), temp[1]!, name);
    return {
      ...item,
      trailer: 'partial',
      checksumFile: 'n/a',
      status: running ? 'saving' : 'leftover',
      error: running ? undefined : `left by a save of ${temp[1]} that did not finish (snapshot save --keep removes it)`,
    };
  }
  item.compressed = isGzip(path);
  try {
    if (st.size === 0) throw new SnapshotError('the file is empty');
    const s = await withPlain(path, (plain) => {
      const size = plain === path ? st.size : statSync(plain).size;
      const status = dbStatus(plain, size, path);
      item.trailer = hasTrailer(size) ? 'ok' : 'none';
      return status;
    });
    item.revision = s.revision;
    item.totalKey = s.totalKey;
  } catch (e) {
    if (!(e instanceof SnapshotError || e instanceof GzipError)) throw e;
    item.trailer = 'bad';
    item.status = 'bad';
    item.error = e.message;
  }
  let sums: string | undefined;
  try {
    sums = readBounded(`${path}.sha256`, 4096).toString('utf8');
  } catch {
    sums = undefined;
  }
  if (sums !== undefined) {
    const want = /^([0-9a-f]{64}) [ *]?(.+)$/m.exec(sums);
    item.checksumFile = want && want[2] === name && want[1] === sha256Prefix(path, st.size).toString('hex') ? 'ok' : 'bad';
    if (item.checksumFile === 'bad') {
      item.status = 'bad';
      item.error ??= `${name}.sha256 does not match the file`;
    }
  }
  return item;
}

// `where` is a directory, or a save pattern ({time}, {member}).
export async function listSnapshots(where: string): Promise<Listed[]> {
  let paths: string[];
  if (hasPlaceholders(where)) {
    const found = produced(where);
    paths = [...found.files.map((f) => f.path), ...found.leftovers];
    const dir = dirname(where);
    if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new FileError(`open ${dir}: no such directory`);
  } else {
    paths = [];
    for (const name of readdirSync(where)) {
      const path = join(where, name);
      if (name.endsWith('.sha256') || name.startsWith('.') || !lstatSync(path).isFile()) continue;
      const temp = TEMP.exec(name);
      if (temp ? SNAPSHOT_NAME.test(temp[1]!) : SNAPSHOT_NAME.test(name) || isGzip(path) || isBolt(path)) paths.push(path);
    }
  }
  const out: Listed[] = [];
  for (const p of paths.sort()) out.push(await verify(p));
  return out;
}
