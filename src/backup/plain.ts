// A snapshot file as the bbolt reader needs it: a gzip-compressed one is
// decompressed into a temporary file beside `near`, removed whatever
// happens (an error, Ctrl-C, SIGTERM).
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { gunzipTo, isGzip } from './gzip.js';

export async function withPlain<T>(path: string, near: string, fn: (plain: string) => T | Promise<T>): Promise<T> {
  if (!isGzip(path)) return fn(path);
  const tmp = join(dirname(near), `.${basename(path)}.${randomBytes(4).toString('hex')}.plain`);
  const clean = () => rmSync(tmp, { force: true });
  const onSignal = (sig: NodeJS.Signals) => {
    clean();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.on('exit', clean);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await gunzipTo(path, tmp);
    return await fn(tmp);
  } finally {
    clean();
    process.off('exit', clean);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
