// Go formatting rules etcdctl's output depends on: strconv.Quote (%q),
// encoding/json strings, humanize.Bytes and time.Duration.String.

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

// Decodes one UTF-8 sequence at i; returns [codepoint, width] or [-1, 1] when invalid.
function decodeRune(b: Uint8Array, i: number): [number, number] {
  const c = b[i]!;
  if (c < 0x80) return [c, 1];
  const cont = (k: number) => {
    const x = b[i + k];
    return x !== undefined && (x & 0xc0) === 0x80 ? x & 0x3f : -1;
  };
  if (c >= 0xc2 && c <= 0xdf) {
    const c1 = cont(1);
    if (c1 >= 0) return [((c & 0x1f) << 6) | c1, 2];
  } else if (c >= 0xe0 && c <= 0xef) {
    const c1 = cont(1);
    const c2 = cont(2);
    if (c1 >= 0 && c2 >= 0) {
      const r = ((c & 0x0f) << 12) | (c1 << 6) | c2;
      if (r >= 0x800 && (r < 0xd800 || r > 0xdfff)) return [r, 3];
    }
  } else if (c >= 0xf0 && c <= 0xf4) {
    const c1 = cont(1);
    const c2 = cont(2);
    const c3 = cont(3);
    if (c1 >= 0 && c2 >= 0 && c3 >= 0) {
      const r = ((c & 0x07) << 18) | (c1 << 12) | (c2 << 6) | c3;
      if (r >= 0x10000 && r <= 0x10ffff) return [r, 4];
    }
  }
  return [-1, 1];
}

const QUOTE_ESCAPES: Record<number, string> = {
  0x07: '\\a',
  0x08: '\\b',
  0x0c: '\\f',
  0x0a: '\\n',
  0x0d: '\\r',
  0x09: '\\t',
  0x0b: '\\v',
};

// Go's strconv.Quote over raw bytes.
export function goQuote(input: Uint8Array | string): string {
  const b = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  let out = '"';
  for (let i = 0; i < b.length; ) {
    const [r, w] = decodeRune(b, i);
    if (r < 0) {
      out += `\\x${hex2(b[i]!)}`;
    } else if (r === 0x22 || r === 0x5c) {
      out += `\\${String.fromCharCode(r)}`;
    } else if (PRINTABLE.test(String.fromCodePoint(r))) {
      out += String.fromCodePoint(r);
    } else if (QUOTE_ESCAPES[r] !== undefined) {
      out += QUOTE_ESCAPES[r];
    } else if (r < 0x20 || r === 0x7f) {
      out += `\\x${hex2(r)}`;
    } else if (r < 0x10000) {
      out += `\\u${r.toString(16).padStart(4, '0')}`;
    } else {
      out += `\\U${r.toString(16).padStart(8, '0')}`;
    }
    i += w;
  }
  return `${out}"`;
}

// Go's encoding/json string encoding (HTML-safe, invalid UTF-8 as U+FFFD).
export function goJsonString(s: string | Uint8Array): string {
  const b = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
  let out = '"';
  for (let i = 0; i < b.length; ) {
    const [r, w] = decodeRune(b, i);
    i += w;
    if (r < 0) out += '\\ufffd';
    else if (r === 0x22) out += '\\"';
    else if (r === 0x5c) out += '\\\\';
    else if (r === 0x0a) out += '\\n';
    else if (r === 0x0d) out += '\\r';
    else if (r === 0x09) out += '\\t';
    else if (r < 0x20 || r === 0x3c || r === 0x3e || r === 0x26 || r === 0x2028 || r === 0x2029) out += `\\u${r.toString(16).padStart(4, '0')}`;
    else out += String.fromCodePoint(r);
  }
  return `${out}"`;
}

// Go's %.Nf rounds exact binary halves to even; JS toFixed rounds them away.
export function goFixed(v: number, digits: number): string {
  const scale = 10 ** digits;
  const scaled = v * scale;
  const floor = Math.floor(scaled);
  const diff = scaled - floor;
  let n: number;
  if (diff > 0.5) n = floor + 1;
  else if (diff < 0.5) n = floor;
  else n = floor % 2 === 0 ? floor : floor + 1;
  return (n / scale).toFixed(digits);
}

const SIZES = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];

// github.com/dustin/go-humanize Bytes (SI units).
export function humanizeBytes(n: bigint | number): string {
  const v = Number(n);
  if (v < 10) return `${v} B`;
  const e = Math.floor(Math.log(v) / Math.log(1000));
  const val = Math.floor((v / 1000 ** e) * 10 + 0.5) / 10;
  return `${val < 10 ? goFixed(val, 1) : goFixed(val, 0)} ${SIZES[e]}`;
}

// time.Duration.String for a duration given in nanoseconds.
export function goDuration(ns: bigint): string {
  if (ns === 0n) return '0s';
  const neg = ns < 0n;
  let u = neg ? -ns : ns;
  let s: string;
  if (u < 1000000000n) {
    let unit: string;
    let div: bigint;
    if (u < 1000n) return `${neg ? '-' : ''}${u}ns`;
    if (u < 1000000n) {
      unit = 'µs';
      div = 1000n;
    } else {
      unit = 'ms';
      div = 1000000n;
    }
    s = fraction(u, div) + unit;
  } else {
    const secNs = u % 60000000000n;
    s = `${fraction(secNs, 1000000000n)}s`;
    u /= 60000000000n;
    if (u > 0n) {
      s = `${u % 60n}m${s}`;
      u /= 60n;
      if (u > 0n) s = `${u}h${s}`;
    }
  }
  return (neg ? '-' : '') + s;
}

function fraction(v: bigint, div: bigint): string {
  const whole = v / div;
  const rest = v % div;
  if (rest === 0n) return whole.toString();
  const digits = div.toString().length - 1;
  return `${whole}.${rest.toString().padStart(digits, '0').replace(/0+$/, '')}`;
}

// Go's %x of a uint64 (no padding) and %016x.
export function hexId(id: bigint): string {
  return BigInt.asUintN(64, id).toString(16);
}

export function hexId16(id: bigint): string {
  return hexId(id).padStart(16, '0');
}

// etcdctl --hex: every byte as \xNN.
export function hexEscape(b: Uint8Array): string {
  let out = '';
  for (const x of b) out += `\\x${hex2(x)}`;
  return out;
}
