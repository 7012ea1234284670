// Keys are bytes, and etcdctl takes them as the bytes of its arguments and
// of stdin; Node hands arguments over as UTF-8 text, turning every byte
// that is not UTF-8 into U+FFFD. Text here carries such bytes as lone low
// surrogates U+DC80..U+DCFF (Python's surrogateescape), which no valid
// UTF-8 decodes to, and bytes() turns them back into those bytes.
import { readFileSync } from 'node:fs';

const ESCAPED = /[\uDC80-\uDCFF]/;

// The length of the valid UTF-8 sequence at b[i], or 0.
function sequence(b: Uint8Array, i: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf) => i + k < b.length && b[i + k]! >= lo && b[i + k]! <= hi;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    const [lo, hi] = c === 0xe0 ? [0xa0, 0xbf] : c === 0xed ? [0x80, 0x9f] : [0x80, 0xbf];
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    const [lo, hi] = c === 0xf0 ? [0x90, 0xbf] : c === 0xf4 ? [0x80, 0x8f] : [0x80, 0xbf];
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

// Bytes as text, every byte that is not part of valid UTF-8 escaped.
export function text(b: Uint8Array): string {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.length);
  let out = '';
  let start = 0;
  for (let i = 0; i < buf.length; ) {
    const n = sequence(buf, i);
    if (n > 0) {
      i += n;
      continue;
    }
    out += buf.toString('utf8', start, i) + String.fromCharCode(0xdc00 + buf[i]!);
    start = ++i;
  }
  return out + buf.toString('utf8', start);
}

// Text as the bytes it stands for: UTF-8, escaped bytes as themselves.
export function bytes(s: string): Buffer {
  if (!ESCAPED.test(s)) return Buffer.from(s, 'utf8');
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // A low surrogate right after a high one is half of a real character.
    if (c < 0xdc80 || c > 0xdcff || (i > 0 && s.charCodeAt(i - 1) >= 0xd800 && s.charCodeAt(i - 1) <= 0xdbff)) continue;
    parts.push(Buffer.from(s.slice(start, i), 'utf8'), Buffer.from([c - 0xdc00]));
    start = i + 1;
  }
  parts.push(Buffer.from(s.slice(start), 'utf8'));
  return Buffer.concat(parts);
}

// NUL-separated entries of a /proc/self file.
function procEntries(name: string): Buffer[] | undefined {
  let raw: Buffer;
  try {
    raw = readFileSync(`/proc/self/${name}`);
  } catch {
    return undefined;
  }
  const all: Buffer[] = [];
  for (let at = 0; at < raw.length; ) {
    const end = raw.indexOf(0, at);
    all.push(raw.subarray(at, end < 0 ? raw.length : end));
    at = end < 0 ? raw.length : end + 1;
  }
  return all;
}

// An environment variable with its bytes (from /proc/self/environ when
// Node's text of it has a replacement character), '' when unset.
export function rawEnv(env: NodeJS.ProcessEnv, name: string): string {
  const v = env[name] ?? '';
  if (!v.includes('\uFFFD') || env !== process.env) return v;
  const entry = procEntries('environ')?.find((b) => b.subarray(0, name.length + 1).equals(Buffer.from(`${name}=`)));
  return entry ? text(entry.subarray(name.length + 1)) : v;
}

// The command's arguments with their bytes: an argument Node decoded with
// a replacement character is taken again from /proc/self/cmdline, where
// the kernel keeps what the shell passed.
export function rawArgs(argv: string[]): string[] {
  if (!argv.some((a) => a.includes('\uFFFD'))) return argv;
  const all = procEntries('cmdline');
  if (!all) return argv;
  const mine = all.slice(all.length - argv.length);
  // The same arguments, or leave them be.
  if (mine.length !== argv.length || mine.some((b, i) => !argv[i]!.includes('\uFFFD') && b.toString('utf8') !== argv[i])) return argv;
  return mine.map((b, i) => (argv[i]!.includes('\uFFFD') ? text(b) : argv[i]!));
}
