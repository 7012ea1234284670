// Kubernetes values as the API server stores them in etcd, decoded without
// I/O: what a value is (a protobuf or JSON object, an encrypted value, or
// not Kubernetes at all), its metadata in brief, and for built-in kinds the
// whole object as the JSON the API server would serve.
import { goDuration } from '../base/gofmt.js';
import type { JsonObject, JsonValue } from '../base/json-text.js';
import { schema, SCALARS, type FieldDef, type MessageDef } from './schema.js';
import { Cursor, DecodeError, fields, int32, int64, packedVarints, text, Wire, type WireField } from './wire.js';

export { DecodeError };

export type { JsonObject, JsonValue } from '../base/json-text.js';

export interface OwnerRef {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller: boolean;
}

export interface MetaSummary {
  name: string;
  namespace: string;
  uid: string;
  generation: bigint;
  creationTimestamp: string | null;
  deletionTimestamp: string | null;
  labels: Record<string, string>;
  annotationNames: string[];
  ownerReferences: OwnerRef[];
  finalizers: string[];
  managedFields: number;
  managedFieldsBytes: number;
}

export type K8sValue =
  | { type: 'object'; encoding: 'protobuf'; apiVersion: string; kind: string; raw: Buffer; meta: MetaSummary }
  | { type: 'object'; encoding: 'json'; apiVersion: string; kind: string; object: JsonObject; meta: MetaSummary }
  | { type: 'encrypted'; provider: string; key: string }
  | { type: 'other' };

const MAGIC = Buffer.from('k8s\0', 'latin1');
// The one kind written without TypeMeta in its envelope.
const WATCH_EVENT = 'WatchEvent';
const ENCRYPTED = Buffer.from('k8s:enc:', 'latin1');

// How much of the metadata to read: all of it, or for a whole keyspace
// (where the rest would cost more than the read itself) only name,
// namespace and creation time ('table'), or name and namespace ('count').
export type Detail = 'full' | 'table' | 'count';

// An encrypted value's `k8s:enc:<provider>:<version>:<key name>:<ciphertext>`
// split at its colons (the ciphertext's first bytes last), or undefined
// when the value is not encrypted.
export function encryptedHeader(value: Buffer): string[] | undefined {
  if (!value.subarray(0, ENCRYPTED.length).equals(ENCRYPTED)) return undefined;
  return value
    .subarray(ENCRYPTED.length, ENCRYPTED.length + 512)
    .toString('latin1')
    .split(':');
}

export function classify(value: Buffer, detail: Detail = 'full'): K8sValue {
  if (value.length >= 4 && value[0] === MAGIC[0] && value[1] === MAGIC[1] && value[2] === MAGIC[2] && value[3] === MAGIC[3])
    return unknownEnvelope(value, detail);
  const parts = encryptedHeader(value);
  if (parts) return { type: 'encrypted', provider: parts.length > 1 ? `${parts[0]} ${parts[1]}` : (parts[0] ?? ''), key: parts.length > 3 ? parts[2]! : '' };
  if (value[0] === 0x7b) {
    let o: unknown;
    try {
      o = JSON.parse(value.toString('utf8'));
    } catch {
      return { type: 'other' };
    }
    if (isObject(o) && typeof o.apiVersion === 'string' && typeof o.kind === 'string') {
      return { type: 'object', encoding: 'json', apiVersion: o.apiVersion, kind: o.kind, object: o as JsonObject, meta: jsonMeta(o.metadata) };
    }
  }
  return { type: 'other' };
}

const isObject = (o: unknown): o is Record<string, unknown> => typeof o === 'object' && o !== null && !Array.isArray(o);

// runtime.Unknown (after the magic): typeMeta=1 {apiVersion=1, kind=2}, raw=2.
function unknownEnvelope(value: Buffer, detail: Detail): K8sValue {
  let apiVersion = '';
  let kind = '';
  let raw: Buffer = NONE;
  let rawAt: Cursor | undefined;
  for (const c = new Cursor(value, 4); c.next(); ) {
    if (c.no === 1) {
      for (const t = c.sub('typeMeta'); t.next(); ) {
        if (t.no === 1) apiVersion = t.text('apiVersion');
        else if (t.no === 2) kind = t.text('kind');
      }
    } else if (c.no === 2) {
      raw = c.bytes('raw');
      rawAt = c.sub('raw');
    }
  }
  // Kinds the schema knows to have no ObjectMeta as field 1 get an empty summary.
  let meta: Cursor | undefined;
  if (rawAt && hasObjectMeta(apiVersion, kind || WATCH_EVENT)) {
    for (const c = rawAt; c.next(); ) if (c.no === 1) meta = c.sub('metadata');
  }
  return { type: 'object', encoding: 'protobuf', apiVersion, kind, raw, meta: protoMeta(meta, detail) };
}

const NONE = Buffer.alloc(0);

// Whether field 1 of a kind is ObjectMeta (unknown kinds are assumed to
// have it); remembered per kind, as a keyspace holds few kinds.
const objectMetaOf = new Map<string, Map<string, boolean>>();
function hasObjectMeta(apiVersion: string, kind: string): boolean {
  let byKind = objectMetaOf.get(apiVersion);
  if (!byKind) {
    byKind = new Map();
    objectMetaOf.set(apiVersion, byKind);
  }
  let known = byKind.get(kind);
  if (known === undefined) {
    known = schema().kind(apiVersion, kind)?.objectMeta !== false;
    byKind.set(kind, known);
  }
  return known;
}

function len(f: WireField, what: string): Buffer {
  if (f.wire !== Wire.Len) throw new DecodeError(`${what} (field ${f.no}) has wire type ${f.wire}, not length-delimited`);
  return f.bytes;
}

function varintOf(f: WireField, what: string): bigint {
  if (f.wire !== Wire.Varint) throw new DecodeError(`${what} (field ${f.no}) has wire type ${f.wire}, not varint`);
  return f.int;
}

// ObjectMeta read by field number, without the schema.
function protoMeta(fields: Cursor | undefined, detail: Detail): MetaSummary {
  const m = emptyMeta();
  for (const c = fields; c?.next(); ) {
    if (detail !== 'full' && c.no !== 1 && c.no !== 3 && (detail === 'count' || c.no !== 8)) continue;
    switch (c.no) {
      case 1:
        m.name = c.text('name');
        break;
      case 3:
        m.namespace = c.text('namespace');
        break;
      case 5:
        m.uid = c.text('uid');
        break;
      case 7:
        m.generation = int64(c.varint('generation'));
        break;
      case 8:
        m.creationTimestamp = time(c.bytes('creationTimestamp'), false);
        break;
      case 9:
        m.deletionTimestamp = time(c.bytes('deletionTimestamp'), false);
        break;
      case 11: {
        const [k, v] = entry(c.bytes('labels'));
        m.labels[k] = v;
        break;
      }
      case 12:
        m.annotationNames.push(entry(c.bytes('annotations'))[0]);
        break;
      case 13: {
        const r: OwnerRef = { apiVersion: '', kind: '', name: '', uid: '', controller: false };
        for (const o = new Cursor(c.bytes('ownerReferences')); o.next(); ) {
          if (o.no === 1) r.kind = o.text('kind');
          else if (o.no === 3) r.name = o.text('name');
          else if (o.no === 4) r.uid = o.text('uid');
          else if (o.no === 5) r.apiVersion = o.text('apiVersion');
          else if (o.no === 6) r.controller = o.varint('controller') !== 0n;
        }
        m.ownerReferences.push(r);
        break;
      }
      case 14:
        m.finalizers.push(c.text('finalizers'));
        break;
      case 17:
        m.managedFields++;
        m.managedFieldsBytes += c.bytes('managedFields').length;
        break;
    }
  }
  return m;
}

function entry(b: Buffer): [string, string] {
  let k = '';
  let v = '';
  for (const c = new Cursor(b); c.next(); ) {
    if (c.no === 1) k = c.text('map key');
    else if (c.no === 2) v = c.text('map value');
  }
  return [k, v];
}

function emptyMeta(): MetaSummary {
  return {
    name: '',
    namespace: '',
    uid: '',
    generation: 0n,
    creationTimestamp: null,
    deletionTimestamp: null,
    labels: {},
    annotationNames: [],
    ownerReferences: [],
    finalizers: [],
    managedFields: 0,
    managedFieldsBytes: 0,
  };
}

function jsonMeta(md: unknown): MetaSummary {
  const m = emptyMeta();
  if (!isObject(md)) return m;
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  m.name = str(md.name);
  m.namespace = str(md.namespace);
  m.uid = str(md.uid);
  if (typeof md.generation === 'number' && Number.isInteger(md.generation)) m.generation = BigInt(md.generation);
  m.creationTimestamp = typeof md.creationTimestamp === 'string' ? md.creationTimestamp : null;
  m.deletionTimestamp = typeof md.deletionTimestamp === 'string' ? md.deletionTimestamp : null;
  if (isObject(md.labels)) for (const [k, v] of Object.entries(md.labels)) m.labels[k] = str(v);
  if (isObject(md.annotations)) m.annotationNames = Object.keys(md.annotations);
  if (Array.isArray(md.ownerReferences)) {
    for (const r of md.ownerReferences) {
      if (isObject(r))
        m.ownerReferences.push({ apiVersion: str(r.apiVersion), kind: str(r.kind), name: str(r.name), uid: str(r.uid), controller: r.controller === true });
    }
  }
  if (Array.isArray(md.finalizers)) m.finalizers = md.finalizers.map(str);
  if (Array.isArray(md.managedFields)) {
    m.managedFields = md.managedFields.length;
    m.managedFieldsBytes = md.managedFields.reduce((n: number, e) => n + JSON.stringify(e).length, 0);
  }
  return m;
}

// --- full decoding, driven by the schema table ---

const META = 'k8s.io.apimachinery.pkg.apis.meta.v1.';
const SPECIAL: Record<string, (b: Buffer) => JsonValue> = {
  [`${META}Time`]: (b) => time(b, false),
  [`${META}MicroTime`]: (b) => time(b, true),
  [`${META}Duration`]: (b) => {
    let ns = 0n;
    for (const f of fields(b)) if (f.no === 1) ns = int64(varintOf(f, 'duration'));
    return goDuration(ns);
  },
  [`${META}FieldsV1`]: (b) => rawJson(b, 'FieldsV1'),
  'k8s.io.apimachinery.pkg.runtime.RawExtension': (b) => rawJson(b, 'RawExtension'),
  'k8s.io.apimachinery.pkg.api.resource.Quantity': quantity,
  'k8s.io.apimachinery.pkg.api.resource.QuantityValue': quantity,
  'k8s.io.apimachinery.pkg.util.intstr.IntOrString': (b) => {
    let type = 0n;
    let intVal = 0;
    let strVal = '';
    for (const f of fields(b)) {
      if (f.no === 1) type = varintOf(f, 'IntOrString.type');
      else if (f.no === 2) intVal = int32(varintOf(f, 'IntOrString.intVal'));
      else if (f.no === 3) strVal = text(len(f, 'IntOrString.strVal'));
    }
    return type === 1n ? strVal : intVal;
  },
};

function quantity(b: Buffer): JsonValue {
  let s = '';
  for (const f of fields(b)) if (f.no === 1) s = text(len(f, 'Quantity'));
  return s === '' ? '0' : s;
}

// meta/v1 Time (seconds, RFC 3339) and MicroTime (microseconds); an empty
// message is the zero time, null in JSON.
function time(b: Buffer, micro: boolean): string | null {
  if (b.length === 0) return null;
  let seconds = 0n;
  let nanos = 0;
  for (const c = new Cursor(b); c.next(); ) {
    if (c.no === 1) seconds = int64(c.varint('seconds'));
    else if (c.no === 2) nanos = int32(c.varint('nanos'));
  }
  const d = new Date(Number(seconds) * 1000);
  if (Number.isNaN(d.getTime())) throw new DecodeError(`time of ${seconds} seconds is out of range`);
  const iso = d.toISOString().slice(0, 19);
  if (!micro) return `${iso}Z`;
  return `${iso}.${String(Math.floor(Math.max(0, nanos) / 1000)).padStart(6, '0')}Z`;
}

function rawJson(b: Buffer, what: string): JsonValue {
  let raw: Buffer | undefined;
  for (const f of fields(b)) if (f.no === 1) raw = len(f, what);
  if (!raw || raw.length === 0) return null;
  if (raw[0] === 0xd9 || raw[0] === 0xf6 || (raw[0]! >= 0xa0 && raw[0]! <= 0xbf)) throw new DecodeError(`${what} holds CBOR, which is not decoded`);
  try {
    return JSON.parse(raw.toString('utf8')) as JsonValue;
  } catch {
    throw new DecodeError(`${what} does not hold valid JSON`);
  }
}

const MAX_DEPTH = 64;

function scalar(type: string, f: WireField): JsonValue {
  switch (type) {
    case 'string':
      return text(len(f, 'string'));
    case 'bytes':
      return len(f, 'bytes').toString('base64');
    case 'bool':
      return varintOf(f, 'bool') !== 0n;
    case 'int32':
      return int32(varintOf(f, 'int32'));
    case 'int64': {
      const v = int64(varintOf(f, 'int64'));
      return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
    }
  }
  throw new DecodeError(`unknown scalar type ${type}`);
}

// Repeated varint scalars may also come packed in one length-delimited field.
function scalars(type: string, got: WireField[]): JsonValue[] {
  const out: JsonValue[] = [];
  for (const f of got) {
    if (f.wire === Wire.Len && type !== 'string' && type !== 'bytes') {
      for (const int of packedVarints(f.bytes)) out.push(scalar(type, { ...f, wire: Wire.Varint, int }));
    } else out.push(scalar(type, f));
  }
  return out;
}

function value(type: string, f: WireField[], depth: number): JsonValue {
  if (SCALARS.has(type)) return scalar(type, f[f.length - 1]!);
  const bytes = f.length === 1 ? len(f[0]!, type) : Buffer.concat(f.map((x) => len(x, type)));
  return message(type, bytes, depth + 1);
}

function message(type: string, b: Buffer, depth: number): JsonValue {
  if (depth > MAX_DEPTH) throw new DecodeError('messages nested too deeply');
  const special = SPECIAL[type];
  if (special) return special(b);
  const def = schema().message(type);
  if (!def) throw new DecodeError(`no schema for message ${type}`);
  return decodeMessage(def, b, depth);
}

function decodeMessage(def: MessageDef, b: Buffer, depth: number): JsonValue {
  const got = new Map<number, WireField[]>();
  for (const f of fields(b)) {
    if (!def.byNo.has(f.no)) continue;
    const list = got.get(f.no);
    if (list) list.push(f);
    else got.set(f.no, [f]);
  }
  const out: JsonObject = {};
  for (const fd of def.fields) {
    const v = fieldValue(fd, got.get(fd.no), depth);
    if (fd.omitzero && v === null) continue;
    if (fd.omitempty && isEmpty(fd, v, got.has(fd.no))) continue;
    if (fd.inline) {
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) Object.assign(out, v);
    } else out[fd.json] = v;
  }
  if (def.wrapper) return out.items ?? null;
  return out;
}

function fieldValue(fd: FieldDef, got: WireField[] | undefined, depth: number): JsonValue {
  if (fd.type === 'map') {
    if (!got) return null;
    const entries: [string, JsonValue][] = [];
    for (const f of got) {
      let k = '';
      let v: WireField[] | undefined;
      for (const e of fields(len(f, fd.json))) {
        if (e.no === 1) k = text(len(e, 'map key'));
        else if (e.no === 2) v = [e];
      }
      const t = fd.mapValue!;
      entries.push([k, v ? value(t, v, depth) : t === 'bytes' || t === 'string' ? '' : message(t, Buffer.alloc(0), depth + 1)]);
    }
    // Go writes map keys in order.
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries);
  }
  if (fd.repeated) {
    if (!got) return null;
    if (SCALARS.has(fd.type)) return scalars(fd.type, got);
    return got.map((f) => message(fd.type, len(f, fd.json), depth + 1));
  }
  if (got) return value(fd.type, got, depth);
  if (fd.pointer || fd.type === 'bytes') return null;
  switch (fd.type) {
    case 'string':
      return '';
    case 'bool':
      return false;
    case 'int32':
    case 'int64':
      return 0;
  }
  // A struct that is not a pointer is there even when not written.
  return message(fd.type, Buffer.alloc(0), depth + 1);
}

// Go's omitempty: a pointer that was set, and a struct that is not a
// pointer, are never empty, even where they print null (a zero Time,
// an empty RawExtension).
function isEmpty(fd: FieldDef, v: JsonValue, present: boolean): boolean {
  if (fd.pointer ? present : !fd.repeated && fd.type !== 'map' && !SCALARS.has(fd.type)) return false;
  if (v === null || v === false || v === 0 || v === 0n || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  // Go's omitempty drops empty maps, never structs.
  return fd.type === 'map' && typeof v === 'object' && Object.keys(v).length === 0;
}

// The object as the API server would serve it: kind and apiVersion first,
// metadata.resourceVersion from the key's mod revision (it is stored empty).
export function toObject(v: K8sValue, resourceVersion?: bigint): JsonObject {
  if (v.type !== 'object') throw new DecodeError(v.type === 'encrypted' ? `the value is encrypted (${v.provider})` : 'the value is not a Kubernetes object');
  let body: JsonObject;
  if (v.encoding === 'json') body = { ...v.object };
  else {
    const known = schema().kind(v.apiVersion, v.kind || WATCH_EVENT);
    if (!known) throw new DecodeError(`${v.apiVersion}/${v.kind} is not a built-in kind this decoder knows`);
    body = decodeMessage(known.def, v.raw, 0) as JsonObject;
  }
  const { kind: _k, apiVersion: _a, ...rest } = body;
  const out: JsonObject = v.kind ? { kind: v.kind, apiVersion: v.apiVersion, ...rest } : rest;
  const md = out.metadata;
  if (resourceVersion !== undefined && md !== null && typeof md === 'object' && !Array.isArray(md)) {
    // In ObjectMeta's order: after name, generateName, namespace, selfLink and uid.
    const before = new Set(['name', 'generateName', 'namespace', 'selfLink', 'uid']);
    const entries = Object.entries(md).filter(([k]) => k !== 'resourceVersion');
    const at = entries.findIndex(([k]) => !before.has(k));
    entries.splice(at < 0 ? entries.length : at, 0, ['resourceVersion', String(resourceVersion)]);
    out.metadata = Object.fromEntries(entries);
  }
  return out;
}
