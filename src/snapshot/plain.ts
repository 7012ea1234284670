// A snapshot file as the bbolt reader needs it: a gzip-compressed one is
// decompressed (bounded, see gunzipStream) into a temporary file of this
// process in the temporary directory, removed whatever happens; ones that
// a killed run left there are removed by the next.
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { abandon, createTemp, namesIn, writeAll } from '../base/files.js';
import { gunzipStream, isGzip } from './gzip.js';

const PREFIX = 'etcdctl-ts-';

// Temporaries named for a process that is gone.
function sweep(dir: string): void {
  for (const n of namesIn(dir)) {
    const m = /^etcdctl-ts-(\d+)\.[0-9a-f]{8}\.plain$/.exec(n);
    if (!m || Number(m[1]) === process.pid) continue;
    try {
      process.kill(Number(m[1]), 0);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ESRCH') rmSync(join(dir, n), { force: true });
    }
  }
}

// The file to read and how to let it go: the file itself, or a
// decompressed temporary copy of a gzip one.
export async function openPlain(path: string): Promise<{ path: string; close(): void }> {
  if (!isGzip(path)) return { path, close: () => undefined };
  const dir = tmpdir();
  sweep(dir);
  const t = createTemp(join(dir, `${PREFIX}${process.pid}`), 'plain');
  try {
    await gunzipStream(path, (b) => writeAll(t, b));
  } catch (e) {
    abandon(t);
    throw e;
  }
  return { path: t.path, close: () => abandon(t) };
}

export async function withPlain<T>(path: string, fn: (plain: string) => T | Promise<T>): Promise<T> {
  const plain = await openPlain(path);
  try {
    return await fn(plain.path);
  } finally {
    plain.close();
  }
}
