// Decoded objects as YAML in kubectl's style (keys sorted, lists at their
// key's indentation); 64-bit integers (bigint) written with every digit.
import type { JsonValue } from '../output/json-text.js';

// Words YAML 1.1 readers take as something other than a string.
const RESERVED = /^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|[-+]?(?:\.inf|\.Inf|\.INF)|\.nan|\.NaN|\.NAN)$/;
// YAML 1.1's floats take any dots after the first ("1.2.3", "."), so those are quoted too.
const NUMBER = /^[-+]?(?:\d[\d_]*)?\.[\d._]*(?:[eE][-+]?\d+)?$|^[-+]?(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$|^[-+]?0x[0-9a-fA-F_]+$|^[-+]?0o?[0-7_]+$|^[-+]?\d[\d_]*(?::[0-5]?\d)+(?:\.\d*)?$/;

const TIMESTAMP = /^\d{4}-\d\d?-\d\d?(?:(?:[Tt]|\s+)\d\d?:\d\d:\d\d(?:\.\d*)?(?:\s*(?:Z|[-+]\d\d?(?::\d\d)?))?)?$/;
// YAML 1.1's merge and value keys, binary integers, and document markers.
const SPECIAL = /^(?:<<|=|[-+]?0b[01_]+|---.*|\.\.\..*)$/;
// What no plain or single-quoted scalar may hold: control characters,
// and what YAML 1.1 readers take for line breaks (NEL, LS, PS) or a BOM.
const UNQUOTABLE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff]/;

// A double-quoted scalar: JSON's escapes are YAML's, and what JSON leaves
// raw but YAML would read as a line break is escaped too.
function doubleQuoted(s: string): string {
  return JSON.stringify(s).replace(/[\x7f-\x9f\u2028\u2029\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// A scalar on one line: plain where no reader can take it for anything
// else, single-quoted where it only needs its spaces and indicators kept,
// double-quoted where it holds line breaks or control characters.
function scalarText(s: string): string {
  if (s === '') return '""';
  if (s.includes('\n') || UNQUOTABLE.test(s)) return doubleQuoted(s);
  // Strings a YAML reader would take for another type are double-quoted, as kubectl prints them.
  if (RESERVED.test(s) || NUMBER.test(s) || TIMESTAMP.test(s) || SPECIAL.test(s)) return doubleQuoted(s);
  // As go-yaml: "-", "?" and ":" may start a plain scalar when no space follows them.
  const plain = !/^(?:[\s,[\]{}#&*!|>'"%@`]|[-?:](?:\s|$))/.test(s) && !/\s$/.test(s) && !/: |:$| #|\t/.test(s);
  return plain ? s : `'${s.replace(/'/g, "''")}'`;
}

// A literal block keeps every character, if its first line does not start
// with a space (that would set the indentation) and it holds nothing a
// reader would take for a line break or refuse; the chomping indicator
// keeps exactly its trailing newlines.
function blockable(s: string): boolean {
  const first = s.replace(/^\n+/, '');
  // Spaces before a line break or at the end go double-quoted, as go-yaml writes them.
  return first !== '' && !first.startsWith(' ') && !UNQUOTABLE.test(s) && !/ \n| $/.test(s);
}

function block(s: string, at: string): string {
  const trailing = /\n*$/.exec(s)![0].length;
  const chomp = trailing === 0 ? '-' : trailing === 1 ? '' : '+';
  const body = trailing === 0 ? s : s.slice(0, -1);
  return `|${chomp}\n${body
    .split('\n')
    .map((l) => (l === '' ? '' : at + l))
    .join('\n')}`;
}

// A value after "key:" or "- ": inline for scalars and empty collections.
function yamlValue(v: JsonValue, at: string, inSeq: boolean): string {
  if (v === null) return ' null';
  if (typeof v === 'string') {
    // Multi-line text reads best as a literal block, where one can hold it.
    if (v.includes('\n') && blockable(v)) return ` ${block(v, at + '  ')}`;
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
