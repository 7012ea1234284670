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

function varint(b: Buffer, pos: number): [bigint, number] {
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

// Every field of a message, in wire order.
export function* fields(b: Buffer): Generator<WireField> {
  let pos = 0;
  while (pos < b.length) {
    const [tag, after] = varint(b, pos);
    const no = Number(tag >> 3n);
    const wire = Number(tag & 7n) as Wire;
    if (no === 0) throw new DecodeError(`field number 0 at offset ${pos}`);
    pos = after;
    switch (wire) {
      case Wire.Varint: {
        const [v, next] = varint(b, pos);
        pos = next;
        yield { no, wire, int: v, bytes: EMPTY };
        break;
      }
      case Wire.Fixed64:
        if (pos + 8 > b.length) throw new DecodeError(`truncated fixed64 field ${no}`);
        yield { no, wire, int: b.readBigUInt64LE(pos), bytes: EMPTY };
        pos += 8;
        break;
      case Wire.Fixed32:
        if (pos + 4 > b.length) throw new DecodeError(`truncated fixed32 field ${no}`);
        yield { no, wire, int: BigInt(b.readUInt32LE(pos)), bytes: EMPTY };
        pos += 4;
        break;
      case Wire.Len: {
        const [len, next] = varint(b, pos);
        if (len > BigInt(b.length - next)) throw new DecodeError(`field ${no} claims ${len} bytes, ${b.length - next} are left`);
        pos = next + Number(len);
        yield { no, wire, int: 0n, bytes: b.subarray(next, pos) };
        break;
      }
      default:
        throw new DecodeError(`unsupported wire type ${wire} for field ${no} at offset ${pos}`);
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
