// One stored object in brief, from its key and value alone: what the
// k8s ls, usage and watch commands show for each key under /registry
// (with less detail, less of the metadata: see classify).
import { classify, DecodeError, type Detail, type MetaSummary } from './decode.js';
import { resourceOfKey, REGISTRY } from './resources.js';

export interface ObjectSummary {
  key: string;
  resource: string;
  namespace: string;
  name: string;
  kind: string;
  apiVersion: string;
  // protobuf, json, encrypted, other, or invalid (with `error`).
  encoding: 'protobuf' | 'json' | 'encrypted' | 'other' | 'invalid';
  encryption?: { provider: string; key: string };
  error?: string;
  size: number;
  createRevision: bigint;
  modRevision: bigint;
  version: bigint;
  meta?: MetaSummary;
  // With less than full detail, the creation time alone of the metadata.
  created?: string | null;
}

export interface StoredKv {
  key: Buffer;
  value: Buffer;
  create_revision: bigint;
  mod_revision: bigint;
  version: bigint;
  // Set where `value` is the plaintext of an encrypted one: how it was
  // encrypted, and the size stored.
  encryption?: { provider: string; key: string };
  stored?: number;
}

// Namespace and name as the key spells them (all there is for an
// encrypted value): the last segment, and the one before it when the key
// has one more than its resource's prefix.
function fromKey(key: string, resource: string): { namespace: string; name: string } {
  const rest = key.startsWith(`${REGISTRY + resource}/`) ? key.slice(REGISTRY.length + resource.length + 1).split('/') : [key];
  return rest.length >= 2 ? { namespace: rest[rest.length - 2]!, name: rest[rest.length - 1]! } : { namespace: '', name: rest[0] ?? '' };
}

export function summarize(kv: StoredKv, detail: Detail = 'full'): ObjectSummary {
  const key = kv.key.toString('utf8');
  const resource = resourceOfKey(key);
  const o: ObjectSummary = {
    key,
    resource,
    namespace: '',
    name: '',
    kind: '',
    apiVersion: '',
    encoding: 'other',
    size: kv.stored ?? kv.value.length,
    createRevision: kv.create_revision,
    modRevision: kv.mod_revision,
    version: kv.version,
  };
  let v;
  try {
    v = classify(kv.value, detail);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    o.encoding = 'invalid';
    o.error = e.message;
    return Object.assign(o, fromKey(key, resource));
  }
  switch (v.type) {
    case 'object':
      o.namespace = v.meta.namespace;
      o.name = v.meta.name || fromKey(key, resource).name;
      o.kind = v.kind;
      o.apiVersion = v.apiVersion;
      o.encoding = v.encoding;
      if (kv.encryption) o.encryption = kv.encryption;
      if (detail === 'full') o.meta = v.meta;
      else o.created = v.meta.creationTimestamp;
      return o;
    case 'encrypted':
      o.encoding = 'encrypted';
      o.encryption = { provider: v.provider, key: v.key };
      return Object.assign(o, fromKey(key, resource));
    case 'other':
      return Object.assign(o, fromKey(key, resource));
  }
}

// kubectl's AGE column (apimachinery's HumanDuration).
export function humanAge(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < -1) return '<invalid>';
  if (s < 0) return '0s';
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (h < 24 * 8) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 365 * 2) return `${d}d`;
  const y = Math.floor(d / 365);
  if (d < 365 * 8) return d % 365 === 0 ? `${y}y` : `${y}y${d % 365}d`;
  return `${y}y`;
}

// Sizes in IEC units, as people read them in a table.
export function humanSize(n: number): string {
  if (n < 1024) return `${n}B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)}${units[i]}`;
}
