// Protobuf wire reading for Kubernetes values: fields as they come, with
// every malformation reported as a DecodeError that says what and where.

export class DecodeError extends Error {
  constructor(reason: string) {
    super(reason);
  }
}

export const enum Wire {
  Varint = 0,
  Fixed64 = 1,
  Len = 2,
  Fixed32 = 5,
}

export interface WireField {
  no: number;
  wire: Wire;
  // Varint and fixed values.
  int: bigint;
  // Length-delimited bytes (a view of the input).
  bytes: Buffer;
}

// Varints of up to 4 bytes (tags, lengths, most numbers) are read with
// plain arithmetic; longer ones with bigint, exactly.
function varint(b: Buffer, pos: number): [bigint, number] {
  const small = varint32(b, pos, b.length);
  if (small >= 0) return [BigInt(small), varint32End];
  let v = 0n;
  let shift = 0n;
  for (let i = pos; i < b.length; i++) {
    const x = b[i]!;
    v |= BigInt(x & 0x7f) << shift;
    if (x < 0x80) {
      if (i - pos >= 10) throw new DecodeError(`varint of more than 10 bytes at offset ${pos}`);
      return [BigInt.asUintN(64, v), i + 1];
    }
    shift += 7n;
  }
  throw new DecodeError(`truncated varint at offset ${pos}`);
}

// A varint of at most 4 bytes before `limit` as a number, where it ends
// in varint32End (no tuple per tag and length); -1 when longer or truncated.
let varint32End = 0;
function varint32(b: Buffer, pos: number, limit: number): number {
  let v = 0;
  for (let i = 0; i < 4 && pos + i < limit; i++) {
    const x = b[pos + i]!;
    v += (x & 0x7f) * 2 ** (7 * i);
    if (x < 0x80) {
      varint32End = pos + i + 1;
      return v;
    }
  }
  return -1;
}

// Every field of a message, in wire order (a Cursor's fields, as values).
export function* fields(b: Buffer): Generator<WireField> {
  for (const c = new Cursor(b); c.next(); ) {
    switch (c.wire) {
      case Wire.Len:
        yield { no: c.no, wire: c.wire, int: 0n, bytes: c.bytes('') };
        break;
      case Wire.Varint:
        yield { no: c.no, wire: c.wire, int: c.varint(''), bytes: EMPTY };
        break;
      default:
        yield { no: c.no, wire: c.wire, int: c.fixed(), bytes: EMPTY };
    }
  }
}

const EMPTY = Buffer.alloc(0);

// A packed repeated varint field's values.
export function packedVarints(b: Buffer): bigint[] {
  const out: bigint[] = [];
  for (let pos = 0; pos < b.length; ) {
    const [v, next] = varint(b, pos);
    out.push(v);
    pos = next;
  }
  return out;
}

// Strings are UTF-8; invalid sequences are an error rather than U+FFFD.
const utf8 = new TextDecoder('utf-8', { fatal: true });
export function text(b: Buffer): string {
  try {
    return utf8.decode(b);
  } catch {
    throw new DecodeError('a string field is not valid UTF-8');
  }
}

export const int64 = (v: bigint) => BigInt.asIntN(64, v);
export const int32 = (v: bigint) => Number(BigInt.asIntN(32, v));

// A cursor over a message's fields that allocates nothing per field: the
// summary path (every object of a keyspace) reads a few strings and skips
// the rest. Varints longer than 4 bytes are skipped, or read as bigint.
export class Cursor {
  no = 0;
  wire: Wire = Wire.Varint;
  // Where a length-delimited field's bytes start and end.
  start = 0;
  end = 0;
  private valueAt = 0;

  // The message is b[pos, limit): a field's bytes are read in place (sub())
  // rather than through a view of them.
  constructor(
    private readonly b: Buffer,
    private pos = 0,
    private readonly limit = b.length,
  ) {}

  // Long varints are read by varint(), within the message.
  private long(at: number): [bigint, number] {
    return varint(this.b.subarray(0, this.limit), at);
  }

  next(): boolean {
    const b = this.b;
    if (this.pos >= this.limit) return false;
    let tag = varint32(b, this.pos, this.limit);
    let at = varint32End;
    if (tag < 0) {
      const [big, after] = this.long(this.pos);
      if (big > 0xffffffffn) throw new DecodeError(`tag out of range at offset ${this.pos}`);
      [tag, at] = [Number(big), after];
    }
    this.no = Math.floor(tag / 8);
    this.wire = (tag % 8) as Wire;
    if (this.no === 0) throw new DecodeError(`field number 0 at offset ${this.pos}`);
    this.valueAt = at;
    switch (this.wire) {
      case Wire.Varint: {
        let i = at;
        while (i < this.limit && b[i]! >= 0x80 && i - at < 10) i++;
        if (i >= this.limit || i - at >= 10) this.long(at);
        this.pos = i + 1;
        break;
      }
      case Wire.Fixed64:
        this.pos = at + 8;
        break;
      case Wire.Fixed32:
        this.pos = at + 4;
        break;
      case Wire.Len: {
        let len = varint32(b, at, this.limit);
        let next = varint32End;
        if (len < 0) {
          const [big, after] = this.long(at);
          [len, next] = [big > BigInt(this.limit) ? this.limit + 1 : Number(big), after];
        }
        if (len > this.limit - next) throw new DecodeError(`field ${this.no} claims ${len} bytes, ${this.limit - next} are left`);
        this.start = next;
        this.end = next + len;
        this.pos = this.end;
        break;
      }
      default:
        throw new DecodeError(`unsupported wire type ${this.wire} for field ${this.no} at offset ${at}`);
    }
    if (this.pos > this.limit) throw new DecodeError(`field ${this.no} runs past the end of its message`);
    return true;
  }

  // A cursor over this length-delimited field's own fields.
  sub(what: string): Cursor {
    if (this.wire !== Wire.Len) throw new DecodeError(`${what} (field ${this.no}) has wire type ${this.wire}, not length-delimited`);
    return new Cursor(this.b, this.start, this.end);
  }

  bytes(what: string): Buffer {
    if (this.wire !== Wire.Len) throw new DecodeError(`${what} (field ${this.no}) has wire type ${this.wire}, not length-delimited`);
    return this.b.subarray(this.start, this.end);
  }

  text(what: string): string {
    if (this.wire !== Wire.Len) return text(this.bytes(what));
    // Names are ASCII nearly always: read in place, with no view made.
    const b = this.b;
    for (let i = this.start; i < this.end; i++) if (b[i]! >= 0x80) return text(this.bytes(what));
    return b.toString('latin1', this.start, this.end);
  }

  varint(what: string): bigint {
    if (this.wire !== Wire.Varint) throw new DecodeError(`${what} (field ${this.no}) has wire type ${this.wire}, not varint`);
    return this.long(this.valueAt)[0];
  }

  // A fixed64 or fixed32 field's value.
  fixed(): bigint {
    return this.wire === Wire.Fixed64 ? this.b.readBigUInt64LE(this.valueAt) : BigInt(this.b.readUInt32LE(this.valueAt));
  }
}
