// Output of the k8s commands (etcdctl-ts's own): tables drawn with
// cli-table3, borderless as kubectl prints them (bordered with -w table),
// and JSON or JSON lines for scripts, with revisions written in full.
import type { JsonObject } from '../k8s/decode.js';
import { humanAge, humanSize, type ObjectSummary } from '../k8s/summary.js';
import { jsonLine, jsonText } from '../k8s/text.js';
import { stdout } from './out.js';

export type K8sFormat = 'plain' | 'table' | 'json' | 'jsonl';

// Rows per cli-table3 table: its layout costs grow faster than the rows,
// so a long list is drawn in chunks with the column widths fixed up front.
const CHUNK = 500;

export function drawTable(format: 'plain' | 'table', head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => rows.reduce((w, r) => Math.max(w, r[i]!.length), h.length));
  // Borderless, as kubectl prints: columns three spaces apart.
  if (format === 'plain') {
    const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + 3))).join('').trimEnd() + '\n';
    return [head, ...rows].map(line).join('');
  }
  // Loaded here: only these commands draw tables of their own.
  const Table = require('cli-table3') as typeof import('cli-table3');
  const out: string[] = [];
  for (let i = 0; i === 0 || i < rows.length; i += CHUNK) {
    const first = i === 0;
    const last = i + CHUNK >= rows.length;
    const t = new Table({
      head: first ? head : [],
      colWidths: widths.map((w) => w + 2),
      // A chunk continues the one before: no border above it, and the
      // closing border only under the last.
      chars: { ...(first ? {} : { top: '', 'top-mid': '', 'top-left': '', 'top-right': '' }), ...(last ? {} : { bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '' }) },
      style: { head: [], border: [] },
    });
    t.push(...rows.slice(i, i + CHUNK));
    out.push(t.toString());
  }
  return out.join('\n') + '\n';
}

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
