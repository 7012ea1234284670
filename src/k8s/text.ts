// Decoded objects as YAML in kubectl's style (keys sorted, lists at their
// key's indentation); 64-bit integers (bigint) written with every digit.
import type { JsonValue } from '../output/json-text.js';

// Words YAML 1.1 readers take as something other than a string.
const RESERVED = /^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|[-+]?(?:\.inf|\.Inf|\.INF)|\.nan|\.NaN|\.NAN)$/;
const NUMBER = /^[-+]?(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$|^0x[0-9a-fA-F_]+$|^0o?[0-7_]+$|^[-+]?\d[\d_]*(?::[0-5]?\d)+(?:\.\d*)?$/;

const TIMESTAMP = /^\d{4}-\d\d?-\d\d?(?:(?:[Tt]|\s+)\d\d?:\d\d:\d\d(?:\.\d*)?(?:\s*(?:Z|[-+]\d\d?(?::\d\d)?))?)?$/;

function scalarText(s: string): string {
  if (s === '') return "''";
  // Strings a YAML reader would take for another type are double-quoted, as
  // kubectl prints them; so are control characters (JSON's escapes are YAML's).
  if (RESERVED.test(s) || NUMBER.test(s) || TIMESTAMP.test(s) || /[\x00-\x08\x0b-\x1f\x7f]/.test(s)) return JSON.stringify(s);
  const plain =
    !/^[\s\-?:,[\]{}#&*!|>'"%@`]/.test(s) &&
    !/\s$/.test(s) &&
    !/: |:$| #|\n|\t/.test(s);
  return plain ? s : `'${s.replace(/'/g, "''")}'`;
}

function block(s: string, at: string): string {
  const chomp = s.endsWith('\n') ? '' : '-';
  const body = s.endsWith('\n') ? s.slice(0, -1) : s;
  return `|${chomp}\n${body
    .split('\n')
    .map((l) => (l === '' ? '' : at + l))
    .join('\n')}`;
}

// A value after "key:" or "- ": inline for scalars and empty collections.
function yamlValue(v: JsonValue, at: string, inSeq: boolean): string {
  if (v === null) return ' null';
  if (typeof v === 'string') {
    // Multi-line text without leading spaces reads best as a literal block.
    if (v.includes('\n') && !/^\s/.test(v) && !/[\x00-\x08\x0b-\x1f\x7f]/.test(v)) return ` ${block(v, at + '  ')}`;
    return ` ${scalarText(v)}`;
  }
  if (typeof v !== 'object') return ` ${String(v)}`;
  if (Array.isArray(v)) return v.length === 0 ? ' []' : `\n${yamlSeq(v, inSeq ? at + '  ' : at)}`;
  return Object.keys(v).length === 0 ? ' {}' : `\n${yamlMap(v, at + '  ')}`;
}

function yamlMap(o: { [key: string]: JsonValue }, at: string): string {
  return Object.keys(o)
    .sort()
    .map((k) => `${at}${scalarText(k)}:${yamlValue(o[k]!, at, false)}`)
    .join('\n');
}

function yamlSeq(a: JsonValue[], at: string): string {
  return a
    .map((x) => {
      if (x !== null && typeof x === 'object' && !Array.isArray(x) && Object.keys(x).length > 0) {
        // The first key sits after "- ", the others under it.
        return `${at}- ${yamlMap(x, at + '  ').slice(at.length + 2)}`;
      }
      return `${at}-${yamlValue(x, at, true)}`;
    })
    .join('\n');
}

export function yamlText(v: JsonValue): string {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) return Object.keys(v).length ? yamlMap(v, '') + '\n' : '{}\n';
  if (Array.isArray(v)) return v.length ? yamlSeq(v, '') + '\n' : '[]\n';
  return yamlValue(v, '', false).slice(1) + '\n';
}
