// Output of the k8s commands (etcdctl-ts's own): tables (tables.ts),
// borderless as kubectl prints them (bordered with -w table), and JSON or
// JSON lines for scripts, with revisions written in full.
import { unifiedDiff } from '../base/linediff.js';
import type { Difference } from '../k8s/diff.js';
import { humanAge, humanSize, type ObjectSummary } from '../k8s/summary.js';
import { yamlText } from '../k8s/text.js';
import { jsonLine, jsonText, type JsonObject } from '../base/json-text.js';
import { colour, stdout } from './out.js';
import { drawTable } from './own-tables.js';

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

// What the KIND column shows of an object.
const placeholder = (s: ObjectSummary) =>
  s.encoding === 'invalid' ? '<invalid>' : s.encoding === 'other' ? '<not an object>' : s.kind || (s.encryption ? '<encrypted>' : '');

export function printObjects(format: K8sFormat, list: ObjectSummary[], revision: bigint, now: number, withNamespace: boolean): void {
  if (format === 'json') {
    stdout.write(`${jsonText({ revision, items: list.map(summaryJson) })}\n`);
    return;
  }
  if (format === 'jsonl') {
    for (const s of list) stdout.write(`${jsonLine(summaryJson(s))}\n`);
    return;
  }
  const encrypted = list.some((s) => s.encryption);
  const head = [...(withNamespace ? ['NAMESPACE'] : []), 'NAME', 'KIND', 'APIVERSION', 'AGE', 'SIZE', 'REVISION', ...(encrypted ? ['ENCRYPTED'] : [])];
  const rows = list.map((s) => {
    const stamp = s.meta ? s.meta.creationTimestamp : s.created;
    const created = stamp ? Date.parse(stamp) : NaN;
    const kind = placeholder(s);
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

// One state in a diff: where it was read and at what revision.
export interface DiffState {
  source: string;
  revision: bigint;
}

function diffRecord(d: Difference): JsonObject {
  const s = d.summary;
  return {
    change: d.change,
    key: s.key,
    kind: s.kind,
    apiVersion: s.apiVersion,
    namespace: s.namespace,
    name: s.name,
    fromRevision: d.from?.kv.mod_revision ?? null,
    toRevision: d.to?.kv.mod_revision ?? null,
  };
}

// k8s diff's output: a line per changed object and, for a modified one,
// the unified diff of its YAML (in colour on a terminal only); JSON lines
// of the same, or one JSON document with the states compared.
export class DiffPrinter {
  private readonly records: JsonObject[] = [];
  readonly counts = { added: 0, deleted: 0, modified: 0 };

  constructor(
    private readonly format: 'plain' | 'json' | 'jsonl',
    private readonly from: DiffState,
    private readonly to: DiffState,
  ) {}

  add(d: Difference): void {
    this.counts[d.change]++;
    if (this.format === 'jsonl') {
      stdout.write(`${jsonLine(diffRecord(d))}\n`);
      return;
    }
    if (this.format === 'json') {
      this.records.push(diffRecord(d));
      return;
    }
    const c = colour();
    const s = d.summary;
    const what = `${d.change.padEnd(9)} ${placeholder(s) || `<${s.encoding}>`} ${s.namespace ? `${s.namespace}/` : ''}${s.name}`;
    stdout.write(`${c ? c.bold(what) : what}\n`);
    if (d.change !== 'modified') return;
    const from = d.from!;
    const to = d.to!;
    if (!from.object || !to.object) {
      const why = (v: typeof from) => (v.error ? `does not decode: ${v.error}` : 'decodes');
      stdout.write(`  the stored value changed (${from.kv.value.length} to ${to.kv.value.length} bytes); before it ${why(from)}, after it ${why(to)}\n`);
      return;
    }
    const label = (st: DiffState, v: typeof from) => `${s.key}\t${st.source}, revision ${v.kv.mod_revision}`;
    for (const line of unifiedDiff(yamlText(from.object), yamlText(to.object), [label(this.from, from), label(this.to, to)])) {
      if (!c) stdout.write(`${line}\n`);
      else if (line.startsWith('@@')) stdout.write(`${c.cyan(line)}\n`);
      else if (line.startsWith('-')) stdout.write(`${c.red(line)}\n`);
      else if (line.startsWith('+')) stdout.write(`${c.green(line)}\n`);
      else stdout.write(`${line}\n`);
    }
  }

  finish(): void {
    const state = (st: DiffState) => ({ source: st.source, revision: st.revision });
    const { added, deleted, modified } = this.counts;
    if (this.format === 'json') {
      stdout.write(`${jsonText({ from: state(this.from), to: state(this.to), added, deleted, modified, changes: this.records })}\n`);
    } else if (this.format === 'plain') {
      const total = added + deleted + modified;
      const states = `from ${this.from.source} (revision ${this.from.revision}) to ${this.to.source} (revision ${this.to.revision})`;
      stdout.write(
        total === 0
          ? `no objects changed ${states}\n`
          : `${total} object${total === 1 ? '' : 's'} changed ${states}: ${added} added, ${deleted} deleted, ${modified} modified\n`,
      );
    }
  }
}

// One object, as k8s get prints it: YAML (kubectl's layout) or JSON.
export function printObject(output: string, o: JsonObject): void {
  stdout.write(output === 'json' ? `${jsonText(o)}\n` : yamlText(o));
}

// What k8s usage found: per resource (or namespace), and the largest objects.
export interface UsageReport {
  revision: bigint;
  by: string;
  objects: number;
  bytes: number;
  groups: { name: string; objects: number; bytes: number; largest?: { key: string; size: number } }[];
  largest: { key: string; kind: string; namespace: string; name: string; encoding: string; size: number }[];
}

export function printUsage(fmt: K8sFormat, r: UsageReport): void {
  const share = (n: number) => (r.bytes === 0 ? 0 : (100 * n) / r.bytes);
  if (fmt === 'json' || fmt === 'jsonl') {
    const doc: JsonObject = {
      revision: r.revision,
      by: r.by,
      objects: r.objects,
      bytes: r.bytes,
      groups: r.groups.map((g) => ({
        name: g.name,
        objects: g.objects,
        bytes: g.bytes,
        share: Number(share(g.bytes).toFixed(2)),
        largest: g.largest ? { key: g.largest.key, bytes: g.largest.size } : null,
      })),
      largest: r.largest.map((o) => ({ key: o.key, kind: o.kind, namespace: o.namespace, name: o.name, bytes: o.size })),
    };
    stdout.write(`${fmt === 'json' ? jsonText(doc) : jsonLine(doc)}\n`);
    return;
  }
  const rows = r.groups.map((g) => [
    g.name,
    String(g.objects),
    humanSize(g.bytes),
    `${share(g.bytes).toFixed(1)}%`,
    g.largest ? `${g.largest.key} (${humanSize(g.largest.size)})` : '',
  ]);
  rows.push(['TOTAL', String(r.objects), humanSize(r.bytes), r.bytes ? '100.0%' : '0.0%', '']);
  stdout.write(drawTable(fmt, [r.by === 'resource' ? 'RESOURCE' : 'NAMESPACE', 'OBJECTS', 'BYTES', 'SHARE', 'LARGEST'], rows));
  if (r.largest.length > 0) {
    stdout.write('\n');
    stdout.write(
      drawTable(
        fmt,
        ['LARGEST OBJECTS', 'KIND', 'BYTES'],
        r.largest.map((o) => [o.key, o.kind || o.encoding, humanSize(o.size)]),
      ),
    );
  }
}

// A line of k8s watch, as kubectl get -w would show the change; a JSON
// object a line with -w jsonl.
export function printWatchLine(fmt: K8sFormat, type: string, o: ObjectSummary, revision: bigint, size: number): void {
  const time = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  if (fmt === 'jsonl') {
    stdout.write(`${jsonLine({ time, type, kind: o.kind, apiVersion: o.apiVersion, namespace: o.namespace, name: o.name, key: o.key, revision, size })}\n`);
  } else {
    stdout.write(
      `${time}  ${type.padEnd(8)}  ${(o.kind || o.encoding).padEnd(12)}  ${o.namespace ? `${o.namespace}/` : ''}${o.name}  rev ${revision}  ${humanSize(size)}\n`,
    );
  }
}
