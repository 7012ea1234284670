// etcdctl-ts's own JSON (k8s objects and listings, defrag reports,
// snapshot list): indented as kubectl prints it, or one line for jsonl,
// with 64-bit integers (bigint) written with every digit.

export type JsonValue = null | boolean | number | bigint | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export function jsonText(v: JsonValue, indent = '  ', at = ''): string {
  if (v === null) return 'null';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v !== 'object') return JSON.stringify(v);
  const inner = at + indent;
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `[\n${v.map((x) => inner + jsonText(x, indent, inner)).join(',\n')}\n${at}]`;
  }
  const keys = Object.keys(v);
  if (keys.length === 0) return '{}';
  return `{\n${keys.map((k) => `${inner}${JSON.stringify(k)}: ${jsonText(v[k]!, indent, inner)}`).join(',\n')}\n${at}}`;
}

// One line of JSON (for jsonl), bigints written in full.
export function jsonLine(v: JsonValue): string {
  if (v === null) return 'null';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(jsonLine).join(',')}]`;
  return `{${Object.keys(v)
    .map((k) => `${JSON.stringify(k)}:${jsonLine(v[k]!)}`)
    .join(',')}}`;
}
