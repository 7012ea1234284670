// A small schema-driven protobuf (proto3) codec. etcd's messages are few and
// flat, so a table of fields beats loading a .proto parser at every start.
// 64-bit integers are always bigint: IDs and revisions must not lose digits.

export type FieldKind = 'bytes' | 'string' | 'int64' | 'uint64' | 'bool' | 'enum' | 'msg';

export interface Field {
  no: number;
  name: string;
  kind: FieldKind;
  repeated?: boolean;
  oneof?: string;
  msg?: () => Schema;
}

export interface Schema {
  name: string;
  fields: Field[];
  byNo?: Map<number, Field>;
}

// Plain decoded message: bigint for 64-bit ints, Buffer for bytes.
export type Msg = Record<string, unknown>;

export function defaultOf(f: Field): unknown {
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

const EMPTY = Buffer.alloc(0);

function index(s: Schema): Map<number, Field> {
  if (!s.byNo) s.byNo = new Map(s.fields.map((f) => [f.no, f]));
  return s.byNo;
}

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer, readonly end = buf.length) {}

  varintNumber(): number {
    let result = 0;
    let shift = 1;
    for (;;) {
      if (this.pos >= this.end) throw new Error('protobuf: truncated varint');
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * shift;
      if (b < 0x80) return result;
      shift *= 128;
      if (shift > 2 ** 49) {
        // Too large for exact double arithmetic: restart as bigint.
        return NaN;
      }
    }
  }

  varintBig(): bigint {
    const start = this.pos;
    const n = this.varintNumber();
    if (!Number.isNaN(n)) return BigInt(n);
    this.pos = start;
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.end) throw new Error('protobuf: truncated varint');
      const b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return result;
      shift += 7n;
    }
  }

  bytes(): Buffer {
    const len = this.varintNumber();
    const start = this.pos;
    this.pos += len;
    if (this.pos > this.end) throw new Error('protobuf: truncated field');
    return this.buf.subarray(start, this.pos);
  }

  skip(wire: number): void {
    switch (wire) {
      case 0:
        this.varintNumber();
        return;
      case 1:
        this.pos += 8;
        return;
      case 2:
        this.pos += this.varintNumber();
        return;
      case 5:
        this.pos += 4;
        return;
      default:
        throw new Error(`protobuf: unsupported wire type ${wire}`);
    }
  }
}

function decodeScalar(r: Reader, f: Field): unknown {
  switch (f.kind) {
    case 'bytes':
      return r.bytes();
    case 'string':
      return r.bytes().toString('utf8');
    case 'int64':
      return BigInt.asIntN(64, r.varintBig());
    case 'uint64':
      return BigInt.asUintN(64, r.varintBig());
    case 'bool':
      return r.varintNumber() !== 0;
    case 'enum': {
      const n = r.varintNumber();
      return Number.isNaN(n) ? -1 : n;
    }
    case 'msg':
      throw new Error('protobuf: message fields are decoded by decodeInto');
  }
}

function decodeInto(s: Schema, buf: Buffer, start: number, end: number): Msg {
  const out: Msg = {};
  for (const f of s.fields) if (!f.oneof) out[f.name] = defaultOf(f);
  const fields = index(s);
  const r = new Reader(buf, end);
  r.pos = start;
  while (r.pos < end) {
    const tag = r.varintNumber();
    const no = Math.floor(tag / 8);
    const wire = tag & 7;
    const f = fields.get(no);
    if (!f) {
      r.skip(wire);
      continue;
    }
    let value: unknown;
    if (f.kind === 'msg') {
      const len = r.varintNumber();
      value = decodeInto(f.msg!(), buf, r.pos, r.pos + len);
      r.pos += len;
    } else if (wire === 2 && f.repeated && f.kind !== 'bytes' && f.kind !== 'string') {
      // Packed repeated scalars.
      const len = r.varintNumber();
      const packedEnd = r.pos + len;
      const list = out[f.name] as unknown[];
      while (r.pos < packedEnd) list.push(decodeScalar(r, f));
      continue;
    } else {
      value = decodeScalar(r, f);
    }
    if (f.repeated) (out[f.name] as unknown[]).push(value);
    else out[f.name] = value;
  }
  return out;
}

export function decode(s: Schema, buf: Buffer): Msg {
  return decodeInto(s, buf, 0, buf.length);
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
      const b = typeof v === 'string' ? Buffer.from(v, 'utf8') : (v as Buffer);
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
      for (const item of (v as unknown[] | undefined) ?? []) writeValue(w, f, item);
    } else if (f.oneof ? v !== undefined : !isDefault(f, v)) {
      writeValue(w, f, v);
    }
  }
  return w.finish();
}
