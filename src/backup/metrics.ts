// A node-exporter textfile for backup jobs: the last success (time,
// duration, size, revision, keys) and the last failure, written atomically;
// a failed run keeps the previous success's figures.
import { readFileSync } from 'node:fs';
import { writeAtomic } from '../base/files.js';

const PREFIX = 'etcdctl_ts_snapshot_';
const HELP: Record<string, string> = {
  last_success_timestamp_seconds: 'When the last snapshot was saved and verified (Unix time).',
  last_duration_seconds: 'How long the last successful save took.',
  last_size_bytes: 'Size of the last saved snapshot file.',
  last_revision: 'Revision of the last saved snapshot.',
  last_total_keys: 'Keys in the last saved snapshot (all buckets, as snapshot status counts them).',
  last_failure_timestamp_seconds: 'When a save last failed (Unix time); 0 if never.',
};

export type Metrics = Partial<Record<keyof typeof HELP, string>>;

export function readMetrics(path: string): Metrics {
  const out: Metrics = {};
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n')) {
    const m = new RegExp(`^${PREFIX}(\\w+) (\\S+)$`).exec(line);
    if (m && m[1]! in HELP) out[m[1] as keyof typeof HELP] = m[2]!;
  }
  return out;
}

export function writeMetrics(path: string, m: Metrics): void {
  let text = '';
  for (const [name, help] of Object.entries(HELP)) {
    text += `# HELP ${PREFIX}${name} ${help}\n# TYPE ${PREFIX}${name} gauge\n${PREFIX}${name} ${m[name as keyof typeof HELP] ?? '0'}\n`;
  }
  writeAtomic(path, text);
}
