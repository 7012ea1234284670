// Output of the k8s commands (etcdctl-ts's own): tables (tables.ts),
// borderless as kubectl prints them (bordered with -w table), and JSON or
// JSON lines for scripts, with revisions written in full.
import { humanAge, humanSize, type ObjectSummary } from '../k8s/summary.js';
import { jsonLine, jsonText, type JsonObject } from './json-text.js';
import { stdout } from './out.js';
import { drawTable } from './tables.js';

export type K8sFormat = 'plain' | 'table' | 'json' | 'jsonl';

export function summaryJson(s: ObjectSummary): JsonObject {
  const o: JsonObject = {
    key: s.key,
    resource: s.resource,
    namespace: s.namespace,
    name: s.name,
    kind: s.kind,
    apiVersion: s.apiVersion,
    encoding: s.encoding,
    size: s.size,
    createRevision: s.createRevision,
    modRevision: s.modRevision,
    version: s.version,
  };
  if (s.encryption) o.encryption = { provider: s.encryption.provider, key: s.encryption.key };
  if (s.error) o.error = s.error;
  const m = s.meta;
  if (m) {
    o.metadata = {
      uid: m.uid,
      generation: m.generation,
      creationTimestamp: m.creationTimestamp,
      deletionTimestamp: m.deletionTimestamp,
      labels: m.labels,
      annotations: m.annotationNames,
      ownerReferences: m.ownerReferences.map((r) => ({ apiVersion: r.apiVersion, kind: r.kind, name: r.name, uid: r.uid, controller: r.controller })),
      finalizers: m.finalizers,
      managedFields: { count: m.managedFields, bytes: m.managedFieldsBytes },
    };
  }
  return o;
}

export function printObjects(format: K8sFormat, list: ObjectSummary[], revision: bigint, now: number, withNamespace: boolean): void {
  if (format === 'json') {
    stdout.write(jsonText({ revision, items: list.map(summaryJson) }) + '\n');
    return;
  }
  if (format === 'jsonl') {
    for (const s of list) stdout.write(jsonLine(summaryJson(s)) + '\n');
    return;
  }
  const encrypted = list.some((s) => s.encryption);
  const head = [...(withNamespace ? ['NAMESPACE'] : []), 'NAME', 'KIND', 'APIVERSION', 'AGE', 'SIZE', 'REVISION', ...(encrypted ? ['ENCRYPTED'] : [])];
  const rows = list.map((s) => {
    const stamp = s.meta ? s.meta.creationTimestamp : s.created;
    const created = stamp ? Date.parse(stamp) : NaN;
    const kind = s.encoding === 'invalid' ? '<invalid>' : s.encoding === 'other' ? '<not an object>' : s.kind || (s.encryption ? '<encrypted>' : '');
    return [
      ...(withNamespace ? [s.namespace] : []),
      s.name,
      kind,
      s.apiVersion,
      Number.isNaN(created) ? '<unknown>' : humanAge(now - created),
      humanSize(s.size),
      s.modRevision.toString(),
      ...(encrypted ? [s.encryption ? `${s.encryption.provider}${s.encryption.key ? ` (${s.encryption.key})` : ''}` : ''] : []),
    ];
  });
  stdout.write(drawTable(format, head, rows));
}
