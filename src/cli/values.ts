// Flag value parsing with Go's (pflag/strconv/time) rules and messages.
import { goDuration, goQuote } from '../output/gofmt.js';

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

// strconv.ParseInt(s, base, 64); base 0 accepts 0x/0o/0b prefixes and underscores.
export function parseInt64(s: string, base = 10): bigint {
  const fail = (why: string) => new ValueError(`strconv.ParseInt: parsing ${goQuote(s)}: ${why}`);
  let body = s;
  let neg = false;
  if (body.startsWith('+') || body.startsWith('-')) {
    neg = body[0] === '-';
    body = body.slice(1);
  }
  let digits: RegExp;
  let prefix = '';
  if (base === 16) digits = /^[0-9a-fA-F]+$/;
  else if (base === 0 && /^0[xX]/.test(body)) {
    prefix = '0x';
    body = body.slice(2).replace(/_/g, '');
    digits = /^[0-9a-fA-F]+$/;
  } else digits = /^[0-9]+$/;
  if (!digits.test(body)) throw fail('invalid syntax');
  let v = BigInt((base === 16 ? '0x' : prefix) + body);
  if (neg) v = -v;
  if (v > INT64_MAX || v < INT64_MIN) throw fail('value out of range');
  return v;
}

const UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  'µs': 1e3,
  'μs': 1e3,
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
