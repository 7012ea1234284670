// Go string literal parsing, for txn compares (fmt %q) and Argify.
import { bytes, text } from '../base/bytes.js';

const SIMPLE: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92, "'": 39, '"': 34 };

// Parses a Go quoted string ("…" with escapes, or `…` raw) at the start of
// `s`; returns the bytes and the length consumed, or undefined if malformed.
export function scanGoQuoted(s: string): { value: Buffer; length: number } | undefined {
  if (s[0] === '`') {
    const end = s.indexOf('`', 1);
    if (end < 0) return undefined;
    return { value: bytes(s.slice(1, end).replace(/\r/g, '')), length: end + 1 };
  }
  if (s[0] !== '"') return undefined;
  const out: number[] = [];
  let i = 1;
  while (i < s.length) {
    const c = s[i]!;
    if (c === '"') return { value: Buffer.from(out), length: i + 1 };
    if (c === '\n') return undefined;
    if (c !== '\\') {
      const cp = s.codePointAt(i)!;
      out.push(...bytes(String.fromCodePoint(cp)));
      i += cp > 0xffff ? 2 : 1;
      continue;
    }
    const e = s[i + 1];
    if (e === undefined) return undefined;
    if (SIMPLE[e] !== undefined && e !== "'") {
      out.push(SIMPLE[e]!);
      i += 2;
    } else if (e === 'x') {
      const h = s.slice(i + 2, i + 4);
      if (!/^[0-9a-fA-F]{2}$/.test(h)) return undefined;
      out.push(parseInt(h, 16));
      i += 4;
    } else if (e >= '0' && e <= '7') {
      const o = s.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(o) || parseInt(o, 8) > 255) return undefined;
      out.push(parseInt(o, 8));
      i += 4;
    } else if (e === 'u' || e === 'U') {
      const n = e === 'u' ? 4 : 8;
      const h = s.slice(i + 2, i + 2 + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(h)) return undefined;
      const cp = parseInt(h, 16);
      if (cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000)) return undefined;
      out.push(...Buffer.from(String.fromCodePoint(cp), 'utf8'));
      i += 2 + n;
    } else return undefined;
  }
  return undefined;
}

// Splits a line into words: "double quoted" (Go escapes), 'single quoted'
// (literal) or bare. Unlike etcdctl 3.4, single-quoted words are kept whole.
export function argify(line: string): string[] | Error {
  const re = /"(?:[^"\\]|\\.)*"|'[^']*'|[^'"\t\n\f\r ][^\t\n\f\r ]*[^'"\t\n\f\r ]?/g;
  const out: string[] = [];
  for (const m of line.matchAll(re)) {
    const tok = m[0];
    if (tok.startsWith("'")) out.push(tok.slice(1, -1));
    else if (tok.startsWith('"')) {
      const q = scanGoQuoted(tok);
      if (!q) return new Error('invalid syntax');
      out.push(text(q.value));
    } else out.push(tok);
  }
  return out;
}
