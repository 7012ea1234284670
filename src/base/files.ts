// Files that are never half-written, never written through a planted link,
// and never collide: temporaries are created exclusively beside their
// target (mode 0600 from the first byte, a name no other run uses), renamed
// over a target only if it is a regular file, and removed when the process
// exits or is signalled; a run's target is held with flock(2).
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  lstatSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';

export class FileError extends Error {}

const ERRNO: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  EEXIST: 'file exists',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  ELOOP: 'is a symbolic link',
  EIO: 'input/output error',
};

// "write /backups/x.part: no space left on device": the operation, the file, the cause.
export function fileError(op: string, path: string, e: unknown): FileError {
  const err = e as NodeJS.ErrnoException;
  return new FileError(`${op} ${path}: ${ERRNO[err.code ?? ''] ?? err.message}`);
}

export function kindOf(st: Stats): string {
  if (st.isFile()) return 'a regular file';
  if (st.isDirectory()) return 'a directory';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

// A target may be replaced only if it is missing or a regular file:
// devices, FIFOs, directories and links are refused before any byte is
// written. A rename would replace a link itself, never what it points to
// (/dev/stdout with a file, say), so no link is taken.
export function checkTarget(path: string): void {
  const l = lstatSync(path, { throwIfNoEntry: false });
  if (!l || l.isFile()) return;
  if (l.isSymbolicLink()) {
    const t = statSync(path, { throwIfNoEntry: false });
    const to = t ? kindOf(t) : 'a missing file';
    throw new FileError(`${path} is a symbolic link to ${to}: refusing to replace it (give the path it points to)`);
  }
  throw new FileError(`${path} exists and is ${kindOf(l)}: refusing to replace it with a file`);
}

// Temporaries of this process, removed however it exits (an error, a
// signal handler's exit, the end of the run). A SIGKILL leaves them: the
// names say what they were, for the next run to find.
const live = new Set<string>();
let hooked = false;
function cleanAll(): void {
  for (const p of live) rmSync(p, { recursive: true, force: true });
  live.clear();
}
// On SIGINT or SIGTERM the temporaries go at once; the process then exits
// as the signal would have ended it, unless a command handles signals
// itself (save reports the interruption, then exits).
let owners = 0;
function onSignal(sig: NodeJS.Signals): void {
  cleanAll();
  if (owners === 0) process.exit(sig === 'SIGINT' ? 130 : 143);
}
// Says that the caller handles SIGINT and SIGTERM until the returned
// function is called; temporaries are still removed at once.
export function handleSignals(): () => void {
  owners++;
  let done = false;
  return () => {
    if (!done) owners--;
    done = true;
  };
}
export function track(path: string): void {
  if (!hooked) {
    process.on('exit', cleanAll);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    hooked = true;
  }
  live.add(path);
}
export function untrack(path: string): void {
  live.delete(path);
}
// Removes a tracked temporary now.
export function discard(path: string): void {
  rmSync(path, { recursive: true, force: true });
  live.delete(path);
}

// What a temporary beside `target` is called: <name>.<8 hex>.<suffix>.
export const tempName = (target: string, suffix: string) => join(dirname(target), `${basename(target)}.${randomBytes(4).toString('hex')}.${suffix}`);
export interface Temp {
  path: string;
  fd: number;
}

const CREATE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

// A new file beside `target`, opened exclusively (never an existing file or
// a link), 0600 unless said otherwise, and removed if the process exits before it is placed.
export function createTemp(target: string, suffix = 'part', mode = 0o600): Temp {
  const path = tempName(target, suffix);
  // Tracked first: a signal that comes as the file appears finds the
  // handler that removes it already in place.
  track(path);
  let fd: number;
  try {
    fd = openSync(path, CREATE, mode);
  } catch (e) {
    untrack(path);
    throw fileError('create', path, e);
  }
  return { path, fd };
}

export function writeAll(t: Temp, b: Buffer): void {
  try {
    writeSync(t.fd, b);
  } catch (e) {
    throw fileError('write', t.path, e);
  }
}

// Syncs and closes the temporary, then renames it over `target` (checked
// again: it may have changed since) and syncs the directory.
export function place(t: Temp, target: string): void {
  try {
    fsyncSync(t.fd);
  } catch (e) {
    throw fileError('sync', t.path, e);
  } finally {
    closeSync(t.fd);
  }
  checkTarget(target);
  try {
    renameSync(t.path, target);
  } catch (e) {
    throw fileError('rename to', target, e);
  }
  untrack(t.path);
  syncDir(dirname(target));
}

// A temporary given up: closed and removed.
export function abandon(t: Temp): void {
  try {
    closeSync(t.fd);
  } catch {
    // Already closed by place().
  }
  discard(t.path);
}

// A small file written whole or not at all (readable by all: checksum and
// metrics files are read by other users, node-exporter for one).
export function writeAtomic(path: string, text: string, mode = 0o644): void {
  checkTarget(path);
  const t = createTemp(path, 'part', mode);
  try {
    writeAll(t, Buffer.from(text));
    place(t, path);
  } catch (e) {
    abandon(t);
    throw e;
  }
}

// The names in a directory, or none when it cannot be read (missing, not
// a directory): for sweeps that look for what earlier runs left.
export function namesIn(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

// A rename is durable only once its directory is synced.
export function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

// Reads a whole small file without blocking on a FIFO or a device, and
// refuses one larger than `limit` bytes.
export function readBounded(path: string, limit: number): Buffer {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw fileError('open', path, e);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new FileError(`${path} is ${kindOf(st)}, not a file`);
    const tooBig = () => new FileError(`${path} is more than the ${limit} bytes such a file may have`);
    if (st.size > limit) throw tooBig();
    // Read to the end, not to st.size: /proc files say 0.
    const parts: Buffer[] = [];
    let total = 0;
    for (;;) {
      const b = Buffer.allocUnsafe(Math.max(4096, Math.min(st.size + 1, limit + 1 - total)));
      const n = readSync(fd, b, 0, b.length, null);
      if (n === 0) break;
      total += n;
      if (total > limit) throw tooBig();
      parts.push(b.subarray(0, n));
    }
    return Buffer.concat(parts);
  } finally {
    closeSync(fd);
  }
}

export interface Lock {
  // Adds a line to what the lock file tells others (a save names its temporary).
  note(line: string): void;
  release(): void;
}

// flock(2) on a descriptor of this process, taken through util-linux's
// flock (Node has no flock call) on a descriptor it shares with us, so the
// lock stays with this process; the kernel lets go when it dies, even by
// SIGKILL. False when another process holds it.
function flockFd(fd: number, path: string): boolean {
  const r = spawnSync(flockBinary(), ['--exclusive', '--nonblock', '3'], { stdio: ['ignore', 'ignore', 'pipe', fd] });
  if (r.error || (r.status !== 0 && r.status !== 1)) throw new FileError(`cannot lock ${path}: ${r.error?.message ?? r.stderr.toString().trim()}`);
  return r.status === 0;
}

// util-linux's flock: on the PATH, else where Debian and most others keep
// it (a cron job's or a container's PATH may be short).
export function flockBinary(): string {
  for (const dir of [...(process.env.PATH ?? '').split(':').filter(Boolean), '/usr/bin', '/bin']) {
    const p = join(dir, 'flock');
    if (statSync(p, { throwIfNoEntry: false })?.isFile()) return p;
  }
  throw new FileError("util-linux's flock is needed to lock files, and it is not on the PATH, in /usr/bin or /bin");
}

const held = (fd: number, unlinkPath?: string): Lock => {
  let open = true;
  return {
    note(line) {
      if (!unlinkPath) return;
      const end = fstatSync(fd).size;
      writeSync(fd, `${line}\n`, end);
    },
    release() {
      if (!open) return;
      // Removed while still held: a run that opened it meanwhile finds it
      // is no longer the file at that name (see lockFor) and tries again.
      if (unlinkPath) rmSync(unlinkPath, { force: true });
      closeSync(fd);
      open = false;
    },
  };
};

// Holds <dir>/.<name>.lock for the run, and removes it after; a run that
// finds it held is told who holds it.
export function lockFor(target: string, what: string): Lock {
  const path = join(dirname(target), `.${basename(target)}.lock`);
  for (;;) {
    let fd: number;
    try {
      fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
    } catch (e) {
      throw fileError('open the lock file', path, e);
    }
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) throw new FileError(`${path} is ${kindOf(st)}, not a lock file`);
      if (!flockFd(fd, path)) {
        const b = Buffer.alloc(512);
        const holder = b
          .subarray(0, readSync(fd, b, 0, b.length, 0))
          .toString()
          .trim()
          .split('\n')
          .join(', ');
        throw new FileError(`${what} is already running for ${target}${holder ? ` (${holder})` : ''}: ${path} is locked`);
      }
      const now = lstatSync(path, { throwIfNoEntry: false });
      if (!now || now.ino !== st.ino || now.dev !== st.dev) {
        closeSync(fd);
        continue;
      }
    } catch (e) {
      closeSync(fd);
      throw e;
    }
    ftruncateSync(fd, 0);
    writeSync(fd, `pid ${process.pid}, started ${new Date().toISOString()}\n`, 0);
    return held(fd, path);
  }
}

// Holds a directory this run made (a restore's temporary data dir), so a
// later run can tell it from one a killed run left.
export function lockDir(path: string): Lock {
  const fd = openSync(path, constants.O_RDONLY | constants.O_DIRECTORY);
  if (!flockFd(fd, path)) {
    closeSync(fd);
    throw new FileError(`${path} is locked by another process`);
  }
  return held(fd);
}

// The pid holding a flock(2) on `path`, from /proc/locks (read without
// taking the lock, which would stop a run that starts meanwhile).
export function lockHolder(path: string): number | undefined {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return undefined;
  const major = ((st.dev >> 8) & 0xfff) | (Math.floor(st.dev / 2 ** 32) & ~0xfff);
  const minor = (st.dev & 0xff) | ((st.dev >> 12) & ~0xff & 0xfffff);
  const id = `${major.toString(16).padStart(2, '0')}:${minor.toString(16).padStart(2, '0')}:${st.ino}`;
  let text: string;
  try {
    text = readBounded('/proc/locks', 1 << 24).toString();
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[1] === 'FLOCK' && f[5] === id) return Number(f[4]);
  }
  return undefined;
}
