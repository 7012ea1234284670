// kubectl's YAML (sigs.k8s.io/yaml) for each document, from the reference
// install-deps.sh builds. It reads JSON with a YAML parser, which would
// take a raw NEL, LS or BOM for a break or a marker, so the JSON escapes
// every character of the BMP beyond ASCII: go-yaml then writes exactly
// this data.
import { execFileSync } from 'node:child_process';
import { jsonLine, type JsonValue } from '../../src/base/json-text.js';
import { KUBECTL_YAML } from './versions.js';

const escaped = (d: JsonValue) => jsonLine(d).replace(/[\u007f-\ud7ff\ue000-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

export function kubectlYaml(docs: JsonValue[]): string[] {
  const out = execFileSync(KUBECTL_YAML, { input: `${docs.map(escaped).join('\n')}\n`, encoding: 'utf8', maxBuffer: 1 << 28 });
  return out.split('\0').slice(0, docs.length);
}
