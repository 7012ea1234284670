// Flag value parsing with Go's (pflag/strconv/time) rules and messages.
import { goDuration, goQuote } from '../base/gofmt.js';

export class ValueError extends Error {}

const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

export function parseBool(s: string): boolean {
  if (TRUE.has(s)) return true;
  if (FALSE.has(s)) return false;
  throw new ValueError(`strconv.ParseBool: parsing ${goQuote(s)}: invalid syntax`);
}

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

// Whether underscores in a base-0 literal only ever sit between digits (a
// base prefix counts as a digit), as Go's integer literal syntax has it.
function underscoresOk(body: string, hex: boolean): boolean {
  let last: 'start' | 'digit' | 'underscore' | 'other' = 'start';
  let i = 0;
  if (/^0[bBoOxX]/.test(body)) {
    i = 2;
    last = 'digit';
  }
  for (; i < body.length; i++) {
    const c = body[i]!;
    if (/[0-9]/.test(c) || (hex && /[a-fA-F]/.test(c))) last = 'digit';
    else if (c === '_') {
      if (last !== 'digit') return false;
      last = 'underscore';
    } else {
      if (last === 'underscore') return false;
      last = 'other';
    }
  }
  return last !== 'underscore';
}

// strconv.ParseInt(s, base, 64). Base 0 (pflag's integer flags) reads a
// 0x, 0o or 0b prefix, a leading 0 as octal, and underscores between digits.
export function parseInt64(s: string, base = 10): bigint {
  const fail = (why: string) => new ValueError(`strconv.ParseInt: parsing ${goQuote(s)}: ${why}`);
  let body = s;
  let neg = false;
  if (body.startsWith('+') || body.startsWith('-')) {
    neg = body[0] === '-';
    body = body.slice(1);
  }
  if (body === '') throw fail('invalid syntax');
  let radix = base;
  let digits = body;
  if (base === 0) {
    radix = 10;
    if (body[0] === '0') {
      const p = body.length >= 3 ? body[1]!.toLowerCase() : '';
      radix = p === 'b' ? 2 : p === 'x' ? 16 : 8;
      digits = p === 'b' || p === 'o' || p === 'x' ? body.slice(2) : body.slice(1);
    }
    if (!underscoresOk(body, radix === 16)) throw fail('invalid syntax');
    digits = digits.replace(/_/g, '');
  }
  const valid = radix === 16 ? /^[0-9a-fA-F]*$/ : new RegExp(`^[0-${radix - 1}]*$`);
  // Only a lone "0" (read as octal with no digits after it) may be empty here.
  if (!valid.test(digits) || (digits === '' && !(base === 0 && body === '0'))) throw fail('invalid syntax');
  let v = digits === '' ? 0n : [...digits].reduce((acc, c) => acc * BigInt(radix) + BigInt(parseInt(c, radix)), 0n);
  if (neg) v = -v;
  if (v > INT64_MAX || v < INT64_MIN) throw fail('value out of range');
  return v;
}

const UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

// time.ParseDuration, returning milliseconds (fractional allowed).
export function parseDuration(input: string): number {
  const quoted = goQuote(input);
  const invalid = () => new ValueError(`time: invalid duration ${quoted}`);
  let s = input;
  let neg = false;
  if (s.startsWith('-') || s.startsWith('+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw invalid();
  let totalNs = 0;
  while (s !== '') {
    const num = /^([0-9]*)(\.[0-9]*)?/.exec(s)!;
    if (num[0] === '' || num[0] === '.') throw invalid();
    s = s.slice(num[0].length);
    const unit = /^[^0-9.]*/.exec(s)![0];
    if (unit === '') throw new ValueError(`time: missing unit in duration ${quoted}`);
    const mult = UNITS[unit];
    if (mult === undefined) throw new ValueError(`time: unknown unit ${goQuote(unit)} in duration ${quoted}`);
    s = s.slice(unit.length);
    totalNs += Number(num[0]) * mult;
    // A time.Duration is an int64 count of nanoseconds.
    if (totalNs > 2 ** 63) throw invalid();
  }
  return ((neg ? -1 : 1) * totalNs) / 1e6;
}

// time.Duration.String for whole milliseconds and sub-ms values.
export function formatDurationMs(ms: number): string {
  return goDuration(BigInt(Math.round(ms * 1e6)));
}

// strconv.ParseUint(s, base, 64) for base 10 or 16.
export function parseUint64(s: string, base: 10 | 16 = 10): bigint {
  const fail = (why: string) => new ValueError(`strconv.ParseUint: parsing ${goQuote(s)}: ${why}`);
  if (!(base === 16 ? /^[0-9a-fA-F]+$/ : /^[0-9]+$/).test(s)) throw fail('invalid syntax');
  const v = BigInt((base === 16 ? '0x' : '') + s);
  if (v >= 1n << 64n) throw fail('value out of range');
  return v;
}
