// A small schema-driven protobuf (proto3) codec. etcd's messages are few and
// flat, so a table of fields beats loading a .proto parser at every start.
// 64-bit integers are always bigint: IDs and revisions must not lose digits.
import { bytes as raw } from '../base/bytes.js';

export type FieldKind = 'bytes' | 'string' | 'int64' | 'uint64' | 'bool' | 'enum' | 'msg';

export interface Field {
  no: number;
  name: string;
  kind: FieldKind;
  repeated?: boolean;
  oneof?: string;
  msg?: () => Schema;
  // Repeated messages kept as offsets and decoded while iterated (LazyList).
  lazy?: boolean;
}

export interface Schema {
  name: string;
  fields: Field[];
  // Fields indexed by number, built on first use.
  byNo?: (Field | undefined)[];
  // Defaults to copy for a new message; null when a field is repeated.
  template?: Msg | null;
}

// Plain decoded message: bigint for 64-bit ints, Buffer for bytes.
export type Msg = Record<string, unknown>;

const EMPTY = Buffer.alloc(0);

function defaultOf(f: Field): unknown {
  if (f.lazy) return new LazyList(f.msg!(), buf);
  if (f.repeated) return [];
  switch (f.kind) {
    case 'bytes':
      return EMPTY;
    case 'string':
      return '';
    case 'int64':
    case 'uint64':
      return 0n;
    case 'bool':
      return false;
    case 'enum':
      return 0;
    case 'msg':
      return undefined;
  }
}

function index(s: Schema): (Field | undefined)[] {
  if (!s.byNo) {
    s.byNo = [];
    for (const f of s.fields) s.byNo[f.no] = f;
  }
  return s.byNo;
}

// Decoder state lives in module variables: a large range response holds
// hundreds of thousands of messages, and a reader object per message shows
// up in GC time.
let buf: Buffer = EMPTY;
let pos = 0;

function truncated(): never {
  throw new Error('protobuf: truncated message');
}

// Reads a whole varint; NaN when it does not fit a double exactly (the
// caller re-reads it as a bigint, or treats it as out of range).
function varint(): number {
  let result = 0;
  let mult = 1;
  for (;;) {
    const b = buf[pos++];
    if (b === undefined) truncated();
    result += (b & 0x7f) * mult;
    if (b < 0x80) return result > Number.MAX_SAFE_INTEGER ? NaN : result;
    mult *= 128;
  }
}

// Returns the raw 64-bit value; `signed` reinterprets it as int64.
function varintBig(signed: boolean): bigint {
  const start = pos;
  const n = varint();
  if (!Number.isNaN(n)) return BigInt(n);
  pos = start;
  return signed ? BigInt.asIntN(64, slowVarint()) : BigInt.asUintN(64, slowVarint());
}

function slowVarint(): bigint {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    const b = buf[pos++];
    if (b === undefined) truncated();
    result |= BigInt(b & 0x7f) << shift;
    if (b < 0x80) return result;
    shift += 7n;
  }
}

function bytes(): Buffer {
  const len = varint();
  const start = pos;
  pos += len;
  if (pos > buf.length) truncated();
  return buf.subarray(start, pos);
}

function skip(wire: number): void {
  if (wire === 0) varint();
  else if (wire === 1) pos += 8;
  else if (wire === 2) {
    // Not `pos += varint()`: that adds the length to pos as it was before
    // the length was read.
    const len = varint();
    pos += len;
  } else if (wire === 5) pos += 4;
  else throw new Error(`protobuf: unsupported wire type ${wire}`);
}

function scalar(f: Field): unknown {
  switch (f.kind) {
    case 'bytes':
      return bytes();
    case 'string':
      return bytes().toString('utf8');
    case 'int64':
      return varintBig(true);
    case 'uint64':
      return varintBig(false);
    case 'bool':
      return varint() !== 0;
    case 'enum': {
      const n = varint();
      return Number.isNaN(n) ? -1 : n;
    }
    case 'msg':
      throw new Error('protobuf: message fields are decoded by message()');
  }
}

// Messages without repeated fields start as a copy of one shared object of
// defaults, which is several times cheaper than filling fields one by one.
function fresh(s: Schema): Msg {
  if (s.template === undefined) {
    const t: Msg = {};
    for (const f of s.fields) if (!f.oneof && !f.repeated) t[f.name] = defaultOf(f);
    s.template = s.fields.some((f) => f.repeated) ? null : t;
  }
  if (s.template) return { ...s.template };
  const out: Msg = {};
  for (const f of s.fields) if (!f.oneof) out[f.name] = defaultOf(f);
  return out;
}

function message(s: Schema, end: number): Msg {
  const out = fresh(s);
  const fields = index(s);
  while (pos < end) {
    const at = pos;
    const tag = varint();
    const wire = tag & 7;
    const f = fields[(tag - wire) / 8];
    if (!f) {
      skip(wire);
      continue;
    }
    let value: unknown;
    if (f.lazy) {
      const len = varint();
      if (pos + len > end) truncated();
      (out[f.name] as LazyList<Msg>).add(at, pos, pos + len, f.no, end);
      pos += len;
      continue;
    }
    if (f.kind === 'msg') {
      const len = varint();
      if (pos + len > end) truncated();
      value = message(f.msg!(), pos + len);
    } else if (wire === 2 && f.repeated && f.kind !== 'bytes' && f.kind !== 'string') {
      // Packed repeated scalars.
      const len = varint();
      const packedEnd = pos + len;
      const list = out[f.name] as unknown[];
      while (pos < packedEnd) list.push(scalar(f));
      continue;
    } else {
      value = scalar(f);
    }
    if (f.repeated) (out[f.name] as unknown[]).push(value);
    else out[f.name] = value;
  }
  if (pos > end) truncated();
  return out;
}

function decodeRange(s: Schema, data: Buffer, start: number, end: number): Msg {
  const savedBuf = buf;
  const savedPos = pos;
  buf = data;
  pos = start;
  try {
    return message(s, end);
  } finally {
    buf = savedBuf;
    pos = savedPos;
  }
}

export function decode(s: Schema, data: Buffer): Msg {
  return decodeRange(s, data, 0, data.length);
}

// A repeated message field decoded on demand. Printing a range of 100,000
// keys then walks it once, and each KeyValue dies young instead of all of
// them living until the end (which cost more in GC than decoding itself).
export class LazyList<T = Msg> implements Iterable<T> {
  private n = 0;
  // Elements are found again by walking the message's fields from the
  // first element's tag: a page of keys keeps no index of its own, which
  // would outlive young-generation GC and pile up as garbage.
  private field = 0;
  private from = 0;
  private to = 0;
  private lastStart = 0;
  private lastEnd = 0;
  // Set by find(): the element found.
  private start = 0;
  private end = 0;
  // Where at() stopped, so that rising indexes walk the message once.
  private atIndex = -1;
  private atNext = 0;
  // Encoded bytes of all elements: what a paged read sizes its pages by.
  byteLength = 0;

  constructor(
    private readonly schema: Schema,
    private readonly data: Buffer,
  ) {}

  get length(): number {
    return this.n;
  }

  add(tagAt: number, start: number, end: number, field: number, messageEnd: number): void {
    if (this.n === 0) {
      this.field = field;
      this.from = tagAt;
    }
    this.n++;
    this.to = messageEnd;
    this.lastStart = start;
    this.lastEnd = end;
    this.byteLength += end - start;
  }

  at(i: number): T | undefined {
    if (i < 0) i += this.n;
    if (i < 0 || i >= this.n) return undefined;
    if (i === this.n - 1) return decodeRange(this.schema, this.data, this.lastStart, this.lastEnd) as T;
    if (i < this.atIndex || this.atIndex < 0) {
      this.atIndex = -1;
      this.atNext = this.from;
    }
    for (; this.atIndex < i; this.atIndex++) this.atNext = this.find(this.atNext);
    return decodeRange(this.schema, this.data, this.start, this.end) as T;
  }

  *[Symbol.iterator](): Iterator<T> {
    for (let i = 0, p = this.from; i < this.n; i++) {
      p = this.find(p);
      yield decodeRange(this.schema, this.data, this.start, this.end) as T;
    }
  }

  // From a tag at p, skips other fields to the next element, sets start
  // and end to it and returns where the field after it begins. The message
  // was read whole once already, so its framing is known to be sound.
  private find(p: number): number {
    const savedBuf = buf;
    const savedPos = pos;
    buf = this.data;
    pos = p;
    try {
      while (pos < this.to) {
        const tag = varint();
        const wire = tag & 7;
        if (wire === 2 && (tag - wire) / 8 === this.field) {
          const len = varint();
          this.start = pos;
          this.end = pos + len;
          return this.end;
        }
        skip(wire);
      }
      throw new Error('protobuf: repeated field lost');
    } finally {
      buf = savedBuf;
      pos = savedPos;
    }
  }
}

class Writer {
  private chunks: Buffer[] = [];
  private cur = Buffer.allocUnsafe(256);
  private pos = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.cur.length) return;
    this.chunks.push(this.cur.subarray(0, this.pos));
    this.cur = Buffer.allocUnsafe(Math.max(256, n));
    this.pos = 0;
  }

  varint(v: bigint | number): void {
    let x = BigInt.asUintN(64, BigInt(v));
    this.ensure(10);
    while (x >= 0x80n) {
      this.cur[this.pos++] = Number(x & 0x7fn) | 0x80;
      x >>= 7n;
    }
    this.cur[this.pos++] = Number(x);
  }

  raw(b: Buffer): void {
    this.ensure(b.length);
    b.copy(this.cur, this.pos);
    this.pos += b.length;
  }

  finish(): Buffer {
    this.chunks.push(this.cur.subarray(0, this.pos));
    return this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
  }
}

function isDefault(f: Field, v: unknown): boolean {
  if (v === undefined || v === null) return true;
  switch (f.kind) {
    case 'bytes':
      return (v as Buffer).length === 0;
    case 'string':
      return v === '';
    case 'int64':
    case 'uint64':
      return BigInt(v as bigint) === 0n;
    case 'bool':
      return v === false;
    case 'enum':
      return v === 0;
    case 'msg':
      return false;
  }
}

function writeValue(w: Writer, f: Field, v: unknown): void {
  switch (f.kind) {
    case 'bytes':
    case 'string': {
      const b = typeof v === 'string' ? raw(v) : (v as Buffer);
      w.varint(f.no * 8 + 2);
      w.varint(b.length);
      w.raw(b);
      return;
    }
    case 'msg': {
      const b = encode(f.msg!(), v as Msg);
      w.varint(f.no * 8 + 2);
      w.varint(b.length);
      w.raw(b);
      return;
    }
    case 'bool':
      w.varint(f.no * 8);
      w.varint(v ? 1 : 0);
      return;
    default:
      w.varint(f.no * 8);
      w.varint(v as bigint | number);
  }
}

// Encodes in field-number order and leaves out proto3 defaults, as Go's
// generated Marshal does, so re-encoded responses match etcdctl's bytes.
export function encode(s: Schema, m: Msg): Buffer {
  const w = new Writer();
  const fields = [...s.fields].sort((a, b) => a.no - b.no);
  for (const f of fields) {
    const v = m[f.name];
    if (f.repeated) {
      for (const item of (v as Iterable<unknown> | undefined) ?? []) writeValue(w, f, item);
    } else if (f.oneof ? v !== undefined : !isDefault(f, v)) {
      writeValue(w, f, v);
    }
  }
  return w.finish();
}
