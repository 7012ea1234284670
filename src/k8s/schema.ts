// The schema table of Kubernetes' built-in types, unpacked on first use
// and indexed for decoding: per message, its fields in declaration order
// (the JSON key order) with their numbers, types and Go JSON facts.
import { gunzipSync } from 'node:zlib';
import { SCHEMA_GZIP_BASE64 } from './schema-data.js';

type RawField = [number, string, string | { map: [string, string] }, 'optional' | 'repeated'];

interface RawTable {
  [message: string]: unknown;
  kinds: Record<string, string>;
  otherKinds: Record<string, string>;
  metaKinds: { everyGroupVersion: Record<string, string>; v1: Record<string, string> };
  inline: Record<string, string[]>;
  jsonNames: Record<string, Record<string, string>>;
  wrappers: Record<string, string>;
  jsonFlags: Record<string, string>;
}

export interface FieldDef {
  no: number;
  // The JSON key (the proto name unless renamed); for an inline field, none.
  json: string;
  type: string;
  // map<string, valueType>
  mapValue?: string;
  repeated: boolean;
  omitempty: boolean;
  pointer: boolean;
  omitzero: boolean;
  inline: boolean;
}

export interface MessageDef {
  name: string;
  fields: FieldDef[];
  byNo: Map<number, FieldDef>;
  // A Go named slice: the bare array of its items field.
  wrapper: boolean;
}

export const SCALARS = new Set(['string', 'int32', 'int64', 'bool', 'bytes']);

export interface Schema {
  message(name: string): MessageDef | undefined;
  // "apps/v1/Deployment" (core: "v1/Pod") to its message; `objectMeta`:
  // whether field 1 is ObjectMeta (false for options, Status, WatchEvent).
  kind(apiVersion: string, kind: string): { def: MessageDef; objectMeta: boolean } | undefined;
}

let loaded: Schema | undefined;

export function schema(): Schema {
  loaded ??= build(JSON.parse(gunzipSync(Buffer.from(SCHEMA_GZIP_BASE64, 'base64')).toString('utf8')) as RawTable);
  return loaded;
}

function build(t: RawTable): Schema {
  const cache = new Map<string, MessageDef>();
  const message = (name: string): MessageDef | undefined => {
    const hit = cache.get(name);
    if (hit) return hit;
    const raw = t[name] as RawField[] | undefined;
    if (!Array.isArray(raw)) return undefined;
    const flags = t.jsonFlags[name] ?? '';
    const inline = new Set(t.inline[name] ?? []);
    const renamed = t.jsonNames[name] ?? {};
    const fields = raw.map(([no, proto, type, label], i): FieldDef => {
      const f = Number(flags[i] ?? '0');
      const map = typeof type === 'object' ? type.map : undefined;
      return {
        no,
        json: renamed[proto] ?? proto,
        type: map ? 'map' : (type as string),
        mapValue: map?.[1],
        repeated: label === 'repeated',
        omitempty: (f & 1) !== 0,
        pointer: (f & 2) !== 0,
        omitzero: (f & 4) !== 0,
        inline: inline.has(proto),
      };
    });
    const def: MessageDef = { name, fields, byNo: new Map(fields.map((f) => [f.no, f])), wrapper: name in t.wrappers };
    cache.set(name, def);
    return def;
  };
  return {
    message,
    kind: (apiVersion, kind) => {
      const gvk = `${apiVersion}/${kind}`;
      const withMeta = t.kinds[gvk];
      const name = withMeta ?? t.otherKinds[gvk] ?? (apiVersion === 'v1' ? t.metaKinds.v1[kind] : undefined) ?? t.metaKinds.everyGroupVersion[kind];
      const def = name ? message(name) : undefined;
      return def && { def, objectMeta: withMeta !== undefined };
    },
  };
}
