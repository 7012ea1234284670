// Go encoding/json rendering of etcd's protobuf structs: struct (declaration)
// order, omitempty on every field, []byte as base64, 64-bit ints in full.
import type { Field, Msg, Schema } from '../client/proto.js';
import { goJsonString } from '../base/gofmt.js';

function goName(s: string): string {
  return s.replace(/(^|_)([a-z])/g, (_m, _u, c: string) => c.toUpperCase());
}

function scalar(f: Field, v: unknown): string {
  switch (f.kind) {
    case 'bytes':
      return `"${Buffer.from(v as Uint8Array).toString('base64')}"`;
    case 'string':
      return goJsonString(v as string);
    case 'msg':
      return pbJson(f.msg!(), v as Msg);
    default:
      return String(v);
  }
}

function empty(f: Field, v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (f.repeated) return (v as { length: number }).length === 0;
  switch (f.kind) {
    case 'bytes':
    case 'string':
      return (v as { length: number }).length === 0;
    case 'int64':
    case 'uint64':
      return v === 0n;
    case 'bool':
      return v === false;
    case 'enum':
      return v === 0;
    case 'msg':
      return false;
  }
}

export function pbJson(s: Schema, m: Msg): string {
  const parts: string[] = [];
  const seenOneofs = new Set<string>();
  for (const f of s.fields) {
    if (f.oneof) {
      if (seenOneofs.has(f.oneof)) continue;
      seenOneofs.add(f.oneof);
      const set = s.fields.find((g) => g.oneof === f.oneof && m[g.name] !== undefined);
      const inner = set ? `{"${set.name}":${scalar(set, m[set.name])}}` : 'null';
      parts.push(`"${goName(f.oneof)}":${inner}`);
      continue;
    }
    const v = m[f.name];
    if (empty(f, v)) continue;
    const body = f.repeated ? `[${Array.from(v as Iterable<unknown>, (x) => scalar(f, x)).join(',')}]` : scalar(f, v);
    parts.push(`"${f.name}":${body}`);
  }
  return `{${parts.join(',')}}`;
}
