// Storage values for tests: an object's JSON encoded as the API server
// stores it ("k8s\0" + runtime.Unknown{typeMeta, raw}), driven by the same
// schema table the decoder reads, so tests can write objects of their own.
import { schema, SCALARS, type MessageDef } from '../../src/k8s/schema.js';
import { bytes, num } from '../../src/snapshot/raft.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const lenField = bytes;
const intField = num;

const META = 'k8s.io.apimachinery.pkg.apis.meta.v1.';

function special(type: string, v: Json): Buffer | undefined {
  switch (type) {
    case `${META}Time`:
    case `${META}MicroTime`: {
      if (v === null) return Buffer.alloc(0);
      const ms = Date.parse(v as string);
      const seconds = BigInt(Math.floor(ms / 1000));
      const micros = /\.(\d{6})Z$/.exec(v as string)?.[1];
      return Buffer.concat([intField(1, seconds), ...(micros ? [intField(2, BigInt(Number(micros) * 1000))] : [])]);
    }
    case 'k8s.io.apimachinery.pkg.api.resource.Quantity':
      return lenField(1, Buffer.from(String(v)));
    case 'k8s.io.apimachinery.pkg.util.intstr.IntOrString':
      return typeof v === 'number'
        ? Buffer.concat([intField(1, 0n), intField(2, BigInt(v))])
        : Buffer.concat([intField(1, 1n), lenField(3, Buffer.from(String(v)))]);
    case 'k8s.io.apimachinery.pkg.runtime.RawExtension':
    case `${META}FieldsV1`:
      return v === null ? Buffer.alloc(0) : lenField(1, Buffer.from(JSON.stringify(v)));
  }
  return undefined;
}

function scalar(no: number, type: string, v: Json): Buffer {
  switch (type) {
    case 'string':
      return lenField(no, Buffer.from(v as string));
    case 'bytes':
      return lenField(no, Buffer.from(v as string, 'base64'));
    case 'bool':
      return intField(no, v ? 1n : 0n);
    default:
      return intField(no, BigInt(v as number));
  }
}

function message(type: string, v: Json): Buffer {
  const s = special(type, v);
  if (s) return s;
  const def = schema().message(type);
  if (!def) throw new Error(`no schema for ${type}`);
  return encode(def, v);
}

function encode(def: MessageDef, v: Json): Buffer {
  // A wrapper is the bare array of its items.
  const obj = (def.wrapper ? { items: v } : v) as { [k: string]: Json };
  const out: Buffer[] = [];
  for (const fd of def.fields) {
    // An inline field's keys sit in the parent object.
    const val = fd.inline ? obj : obj[fd.json];
    if (val === undefined || val === null) continue;
    if (fd.type === 'map') {
      for (const [k, x] of Object.entries(val as { [k: string]: Json })) {
        const t = fd.mapValue!;
        const valueBytes = SCALARS.has(t) ? scalar(2, t, x) : lenField(2, message(t, x));
        out.push(lenField(fd.no, Buffer.concat([lenField(1, Buffer.from(k)), valueBytes])));
      }
    } else if (fd.repeated) {
      for (const x of val as Json[]) out.push(SCALARS.has(fd.type) ? scalar(fd.no, fd.type, x) : lenField(fd.no, message(fd.type, x)));
    } else if (SCALARS.has(fd.type)) out.push(scalar(fd.no, fd.type, val));
    else out.push(lenField(fd.no, message(fd.type, val)));
  }
  return Buffer.concat(out);
}

// The value the API server would store for `obj` (its apiVersion and kind
// name the type; metadata.resourceVersion is left out, as when stored).
export function storageValue(obj: { [k: string]: Json }): Buffer {
  const apiVersion = obj.apiVersion as string;
  const kind = obj.kind as string;
  const known = schema().kind(apiVersion, kind);
  if (!known) throw new Error(`${apiVersion}/${kind} is not in the schema`);
  const md = obj.metadata as { [k: string]: Json } | undefined;
  const body = md ? { ...obj, metadata: { ...md, resourceVersion: null } } : obj;
  const typeMeta = Buffer.concat([lenField(1, Buffer.from(apiVersion)), lenField(2, Buffer.from(kind))]);
  return Buffer.concat([Buffer.from('k8s\0', 'latin1'), lenField(1, typeMeta), lenField(2, encode(known.def, body))]);
}
