// Decoded objects as YAML, as kubectl writes them: go-yaml v2's emitter
// (through sigs.k8s.io/yaml) followed rule for rule, with its key order,
// its choice of plain, quoted or literal scalars, and its folding of long
// lines at 80 columns. Where go-yaml's choice would not read back as the
// same string (with YAML 1.1 readers), the string is double-quoted
// instead: see yaml11Plain. 64-bit integers (bigint) are
// written with every digit.
import type { JsonValue } from '../base/json-text.js';

const WIDTH = 80;
const INDENT = 2;

// go-yaml's resolve: whether a plain scalar reads back as a string.
const BOOL_NULL = new Set([
  'y',
  'Y',
  'yes',
  'Yes',
  'YES',
  'true',
  'True',
  'TRUE',
  'on',
  'On',
  'ON',
  'n',
  'N',
  'no',
  'No',
  'NO',
  'false',
  'False',
  'FALSE',
  'off',
  'Off',
  'OFF',
  '',
  '~',
  'null',
  'Null',
  'NULL',
]);
const SPECIAL_FLOATS = new Set(['.nan', '.NaN', '.NAN', '.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF', '-.inf', '-.Inf', '-.INF', '<<']);
const YAML_STYLE_FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
const BASE60_FLOAT = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;
const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

// Go's strconv.ParseInt/ParseUint with base 0 (underscores already gone).
function goInteger(s: string, signed: boolean): bigint | undefined {
  const m = /^([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m || (!signed && m[1])) return undefined;
  const body = m[2]!;
  let v: bigint;
  if (/^0[oO]/.test(body)) v = BigInt(`0o${body.slice(2)}`);
  else if (/^0[0-7]+$/.test(body)) v = BigInt(`0o${body.slice(1)}`);
  else v = BigInt(body);
  if (m[1] === '-') v = -v;
  return signed ? (v >= INT64_MIN && v < -INT64_MIN ? v : undefined) : v <= UINT64_MAX ? v : undefined;
}

// Go's strconv.ParseFloat accepting s (decimal, hex with p exponent, inf,
// infinity, nan; underscores only between digits).
function goFloat(s: string): boolean {
  if (/^[-+]?(?:inf|infinity|nan)$/i.test(s)) return !/^[-+]nan$/i.test(s);
  const body = s.replace(/^[-+]/, '');
  const ok = /^0[xX]/.test(body)
    ? /^0[xX](?:[0-9a-fA-F_]+\.?[0-9a-fA-F_]*|\.[0-9a-fA-F_]+)[pP][-+]?[0-9_]+$/.test(body)
    : /^(?:[0-9_]+\.?[0-9_]*|\.[0-9_]+)(?:[eE][-+]?[0-9_]+)?$/.test(body);
  return ok && /[0-9]/.test(body) && underscoreOk(body);
}

function underscoreOk(s: string): boolean {
  let saw = '^';
  let i = 0;
  const hex = /^0[xX]/.test(s);
  if (/^0[bBoOxX]/.test(s)) {
    i = 2;
    saw = '0';
  }
  for (; i < s.length; i++) {
    const c = s[i]!;
    if ((c >= '0' && c <= '9') || (hex && /[a-fA-F]/.test(c))) saw = '0';
    else if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
    } else {
      if (saw === '_') return false;
      saw = '!';
    }
  }
  return saw !== '_';
}

// go-yaml's parseTimestamp: four digits and '-', then one of its layouts.
function goTimestamp(s: string): boolean {
  const m = /^(\d{4})-(\d\d?)-(\d\d?)(?:([Tt ])(\d\d?):(\d\d?):(\d\d?)(?:\.\d+)?(Z|[-+]\d\d:\d\d)?)?$/.exec(s);
  if (!m) return false;
  const [, y, mo, d, sep, h, mi, se, zone] = m;
  // The space layout has no zone; the T layouts require one.
  if (sep !== undefined && (sep === ' ') !== (zone === undefined)) return false;
  const days = new Date(Date.UTC(Number(y), Number(mo), 0)).getUTCDate();
  if (Number(mo) < 1 || Number(mo) > 12 || Number(d) < 1 || Number(d) > days) return false;
  if (h !== undefined && (Number(h) > 23 || Number(mi) > 59 || Number(se) > 59)) return false;
  if (zone && zone !== 'Z' && (Number(zone.slice(1, 3)) > 23 || Number(zone.slice(4)) > 59)) return false;
  return true;
}

function resolvesToString(s: string): boolean {
  if (BOOL_NULL.has(s) || SPECIAL_FLOATS.has(s)) return false;
  const c = s[0]!;
  if (c === '.') return !goFloat(s);
  if (!/[-+0-9]/.test(c)) return true;
  if (goTimestamp(s)) return false;
  const plain = s.replace(/_/g, '');
  if (goInteger(plain, true) !== undefined || goInteger(plain, false) !== undefined) return false;
  if (YAML_STYLE_FLOAT.test(plain) && goFloat(plain)) return false;
  if (/^-?0b/.test(plain) && /^-?0b[01]+$/.test(plain)) return false;
  return true;
}

// What the readers this YAML is checked with resolve to something other
// than a string, as their own patterns say: PyYAML (YAML 1.1), and the
// yaml package's 1.1 and 1.2 schemas. Where go-yaml would leave one of
// these plain ("." and "._1" floats, "2001-13-14" or a space-separated
// date, YAML 1.1's "y"/"n" keys), it is double-quoted instead.
const READERS_NOT_STRING = [
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/,
  /^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$/,
  /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|~|null|Null|NULL|<<)$/,
  /^[-+]?(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?[eE][-+]?[0-9]+$/,
  /^[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*$/,
  /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/,
  /^0o[0-7]+$/,
  /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:t|T|[ \t]+)[0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(?:\.[0-9]+)?(?:[ \t]*(?:Z|[-+][012]?[0-9](?::[0-9]{2})?))?)?$/,
];
const yaml11Plain = (s: string) => !READERS_NOT_STRING.some((r) => r.test(s));

type Style = 'plain' | 'single' | 'double' | 'literal';

// go-yaml's analysis of a scalar: which styles can hold it.
interface Analysis {
  multiline: boolean;
  blockPlain: boolean;
  flowPlain: boolean;
  single: boolean;
  block: boolean;
}

// Code units: go-yaml's is_break, and its is_printable (no tab, no C0/C1
// control, no BOM or non-character, nothing beyond the BMP: a surrogate
// is never printable).
const isBreak = (c: number) => c === 0x0d || c === 0x0a || c === 0x85 || c === 0x2028 || c === 0x2029;
const printable = (c: number) => c === 0x0a || (c >= 0x20 && c <= 0x7e) || (c >= 0xa0 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd && c !== 0xfeff);
const FLOW_AND_BLOCK_FIRST = new Set([...'#,[]{}&*!|>\'"%@`'].map((c) => c.charCodeAt(0)));
const FLOW_INNER = new Set([...',?[]{}'].map((c) => c.charCodeAt(0)));

// Most strings are names and numbers: every style can hold them.
const SIMPLE = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;
const ANY: Analysis = Object.freeze({ multiline: false, flowPlain: true, blockPlain: true, single: true, block: true });

function analyze(s: string): Analysis {
  if (SIMPLE.test(s)) return ANY;
  const n = s.length;
  if (n === 0) return { multiline: false, flowPlain: false, blockPlain: true, single: true, block: false };
  let blockIndicators = false;
  let flowIndicators = false;
  let lineBreaks = false;
  let special = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let previousSpace = false;
  let previousBreak = false;
  if (s.startsWith('---') || s.startsWith('...')) blockIndicators = flowIndicators = true;
  let precededByWhitespace = true;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    const next = i + 1 < n ? s.charCodeAt(i + 1) : -1;
    const followedByWhitespace = next === -1 || next === 0x20 || next === 0x09 || isBreak(next);
    if (i === 0) {
      if (FLOW_AND_BLOCK_FIRST.has(c)) flowIndicators = blockIndicators = true;
      else if (c === 0x3f || c === 0x3a) {
        flowIndicators = true;
        if (followedByWhitespace) blockIndicators = true;
      } else if (c === 0x2d && followedByWhitespace) flowIndicators = blockIndicators = true;
    } else if (FLOW_INNER.has(c)) flowIndicators = true;
    else if (c === 0x3a) {
      flowIndicators = true;
      if (followedByWhitespace) blockIndicators = true;
    } else if (c === 0x23 && precededByWhitespace) flowIndicators = blockIndicators = true;
    if (!printable(c)) special = true;
    if (c === 0x20) {
      if (i === 0) leadingSpace = true;
      if (i === n - 1) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (isBreak(c)) {
      lineBreaks = true;
      if (i === 0) leadingBreak = true;
      if (i === n - 1) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = previousBreak = false;
    }
    precededByWhitespace = c === 0x20 || c === 0x09 || c === 0 || isBreak(c);
  }
  const a: Analysis = { multiline: lineBreaks, flowPlain: true, blockPlain: true, single: true, block: true };
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) a.flowPlain = a.blockPlain = false;
  if (trailingSpace) a.block = false;
  if (breakSpace) a.flowPlain = a.blockPlain = a.single = false;
  if (spaceBreak || special) a.flowPlain = a.blockPlain = a.single = a.block = false;
  if (lineBreaks) a.flowPlain = a.blockPlain = false;
  if (flowIndicators) a.flowPlain = false;
  if (blockIndicators) a.blockPlain = false;
  return a;
}

const utf8Length = (s: string) => Buffer.byteLength(s, 'utf8');

// Go's strconv.FormatFloat(f, 'g', -1, 64), as go-yaml writes floats:
// the shortest digits, with an exponent below 1e-4 and from 1e6 (where
// JavaScript switches at 1e-7 and 1e21). Integers come as ints from JSON.
function goFloatText(v: number): string {
  if (Number.isInteger(v) && Math.abs(v) < 2 ** 63) return String(v);
  const [mant, e] = v.toExponential().split('e');
  const exp = Number(e);
  if (exp >= -4 && exp < 6) return String(v);
  return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

// go-yaml's key order: by code point, except that runs of digits compare
// as numbers and letters sort after everything else.
const isLetter = (c: string) => (c.length === 1 && c < '\x80' ? /[A-Za-z]/.test(c) : /\p{L}/u.test(c));
const isDigit = (c: string) => (c.length === 1 && c < '\x80' ? c >= '0' && c <= '9' : /\p{Nd}/u.test(c));
function keyLess(a: string | string[], b: string | string[]): boolean {
  for (let i = 0; i < a.length && i < b.length; i++) {
    if (a[i] === b[i]) continue;
    const al = isLetter(a[i]!);
    const bl = isLetter(b[i]!);
    if (al && bl) return a[i]!.codePointAt(0)! < b[i]!.codePointAt(0)!;
    if (al || bl) return bl;
    let an = 0n;
    let bn = 0n;
    if (a[i] === '0' || b[i] === '0') {
      for (let j = i - 1; j >= 0 && isDigit(a[j]!); j--) {
        if (a[j] !== '0') {
          an = bn = 1n;
          break;
        }
      }
    }
    let ai = i;
    for (; ai < a.length && isDigit(a[ai]!); ai++) an = BigInt.asIntN(64, an * 10n + BigInt(a[ai]!.codePointAt(0)! - 48));
    let bi = i;
    for (; bi < b.length && isDigit(b[bi]!); bi++) bn = BigInt.asIntN(64, bn * 10n + BigInt(b[bi]!.codePointAt(0)! - 48));
    if (an !== bn) return an < bn;
    if (ai !== bi) return ai < bi;
    return a[i]!.codePointAt(0)! < b[i]!.codePointAt(0)!;
  }
  return a.length < b.length;
}

function sortedKeys(o: { [key: string]: JsonValue }): string[] {
  const names = Object.keys(o);
  if (names.length < 2) return names;
  // By code point: ASCII keys index as they are.
  const keys = names.map((k) => ({ k, chars: /^[\x00-\x7f]*$/.test(k) ? k : Array.from(k) }));
  keys.sort((x, y) => (keyLess(x.chars, y.chars) ? -1 : keyLess(y.chars, x.chars) ? 1 : 0));
  return keys.map((x) => x.k);
}

interface NodeContext {
  sequence?: boolean;
  mapping?: boolean;
  simpleKey?: boolean;
}
const IN_SEQUENCE: NodeContext = Object.freeze({ sequence: true });
const IN_MAPPING: NodeContext = Object.freeze({ mapping: true });
const AS_KEY: NodeContext = Object.freeze({ mapping: true, simpleKey: true });

// The emitter's state, as go-yaml keeps it. Scalars are written in runs,
// with the column kept as go-yaml counts it (one per character).
class Emitter {
  private buf = '';
  private column = 0;
  private indent = -1;
  private readonly indents: number[] = [];
  private whitespace = true;
  private indention = true;
  private ctx: NodeContext = {};

  text(): string {
    return this.buf;
  }

  private put(s: string): void {
    this.buf += s;
    this.column += s.length;
  }

  private putBreak(): void {
    this.buf += '\n';
    this.column = 0;
  }

  private writeIndent(): void {
    const indent = Math.max(this.indent, 0);
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) this.putBreak();
    if (this.column < indent) this.put(' '.repeat(indent - this.column));
    this.whitespace = this.indention = true;
  }

  private indicator(s: string, needWhitespace: boolean, isWhitespace: boolean, isIndention: boolean): void {
    if (needWhitespace && !this.whitespace) this.put(' ');
    this.put(s);
    this.whitespace = isWhitespace;
    this.indention = this.indention && isIndention;
  }

  private increaseIndent(flow: boolean, indentless: boolean): void {
    this.indents.push(this.indent);
    if (this.indent < 0) this.indent = flow ? INDENT : 0;
    else if (!indentless) this.indent += INDENT;
  }

  private popIndent(): void {
    this.indent = this.indents.pop()!;
  }

  document(v: JsonValue): void {
    this.node(v, {});
    this.writeIndent();
  }

  private node(v: JsonValue, ctx: NodeContext): void {
    this.ctx = ctx;
    if (v === null) return this.scalar('null', 'plain');
    if (typeof v === 'string') return this.string(v);
    if (typeof v === 'bigint') return this.scalar(String(v), 'plain');
    if (typeof v === 'number') return this.scalar(goFloatText(v), 'plain');
    if (typeof v === 'boolean') return this.scalar(String(v), 'plain');
    if (Array.isArray(v)) return v.length === 0 ? this.emptyFlow('[', ']') : this.sequence(v);
    const keys = sortedKeys(v);
    return keys.length === 0 ? this.emptyFlow('{', '}') : this.mapping(v, keys);
  }

  private emptyFlow(open: string, close: string): void {
    this.indicator(open, true, true, false);
    this.indicator(close, false, false, false);
  }

  private sequence(items: JsonValue[]): void {
    this.increaseIndent(false, Boolean(this.ctx.mapping) && !this.indention);
    for (const item of items) {
      this.writeIndent();
      this.indicator('-', true, false, true);
      this.node(item, IN_SEQUENCE);
    }
    this.popIndent();
  }

  private mapping(o: { [key: string]: JsonValue }, keys: string[]): void {
    this.increaseIndent(false, false);
    for (const k of keys) {
      this.writeIndent();
      const a = analyze(k);
      // A key over 128 bytes, or of several lines, is written after "? ".
      if (!a.multiline && (k.length <= 42 || utf8Length(k) <= 128)) {
        this.ctx = AS_KEY;
        this.string(k, a);
        this.indicator(':', false, false, false);
      } else {
        this.indicator('?', true, false, true);
        this.ctx = IN_MAPPING;
        this.string(k, a);
        this.writeIndent();
        this.indicator(':', true, false, true);
      }
      this.node(o[k]!, IN_MAPPING);
    }
    this.popIndent();
  }

  // go-yaml's encoder asks for a literal block where the string has a
  // newline, plain where it reads back as a string, else double quotes.
  private string(s: string, a = analyze(s)): void {
    // LS and PS break lines for YAML 1.1 readers and not for 1.2 ones: the
    // indentation go-yaml writes after one would be read into the string.
    if (/[\u2028\u2029](?!$)/.test(s) || (/[\u2028\u2029]/.test(s) && s.includes('\n'))) return this.scalar(s, 'double', false, a);
    // PyYAML refuses "=" (YAML 1.1's value key) as a value, not as a key.
    const trap = !yaml11Plain(s) || (s === '=' && !this.ctx.simpleKey);
    this.scalar(s, s.includes('\n') ? 'literal' : resolvesToString(s) && !BASE60_FLOAT.test(s) ? 'plain' : 'double', trap, a);
  }

  // `trap`: a string YAML 1.1 readers would not read as one if plain.
  private scalar(s: string, requested: Style, trap = false, a = analyze(s)): void {
    const simpleKey = Boolean(this.ctx.simpleKey);
    let style = requested;
    if (simpleKey && a.multiline) style = 'double';
    if (style === 'plain') {
      if (!a.blockPlain) style = 'single';
      if (s.length === 0 && simpleKey) style = 'single';
      if (style === 'plain' && trap) style = 'double';
    }
    if (style === 'single' && !a.single) style = 'double';
    if (style === 'literal' && (!a.block || simpleKey)) style = 'double';
    this.increaseIndent(true, false);
    if (style === 'plain') this.plain(s, !simpleKey);
    else if (style === 'single') this.single(s, !simpleKey);
    else if (style === 'double') this.double(s, !simpleKey);
    else this.literal(s);
    this.popIndent();
  }

  // Where a quoted or plain scalar folds: the line ends and the next one
  // starts at the scalar's indentation.
  private fold(): string {
    this.column = this.indent;
    return `\n${' '.repeat(this.indent)}`;
  }

  // Plain scalars hold no line breaks: only spaces past column 80 fold.
  private plain(s: string, allowBreaks: boolean): void {
    if (!this.whitespace) this.put(' ');
    let out = '';
    let from = 0;
    let spaces = false;
    if (allowBreaks && s.includes(' ')) {
      for (let i = 0; i < s.length; i++) {
        if (s.charCodeAt(i) !== 0x20) {
          spaces = false;
          continue;
        }
        if (!spaces && this.column + (i - from) > WIDTH && s.charCodeAt(i + 1) !== 0x20) {
          out += s.slice(from, i) + this.fold();
          from = i + 1;
        }
        spaces = true;
      }
    }
    this.buf += out + s.slice(from);
    this.column += s.length - from;
    this.whitespace = this.indention = false;
  }

  private single(s: string, allowBreaks: boolean): void {
    this.indicator("'", true, false, false);
    const n = s.length;
    let out = '';
    let spaces = false;
    let breaks = false;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c === 0x20) {
        if (allowBreaks && !spaces && this.column > WIDTH && i > 0 && i < n - 1 && s.charCodeAt(i + 1) !== 0x20) out += this.fold();
        else {
          out += ' ';
          this.column++;
        }
        spaces = true;
      } else if (isBreak(c)) {
        // Only a trailing LS or PS comes here (see string()).
        if (!breaks && c === 0x0a) out += '\n';
        out += s[i];
        this.column = 0;
        breaks = true;
      } else {
        if (breaks) {
          out += ' '.repeat(this.indent);
          this.column = this.indent;
        }
        out += c === 0x27 ? "''" : s[i];
        this.column += c === 0x27 ? 2 : 1;
        spaces = breaks = false;
      }
    }
    this.buf += out;
    this.indicator("'", false, false, false);
    this.whitespace = this.indention = false;
  }

  private double(s: string, allowBreaks: boolean): void {
    this.indicator('"', true, false, false);
    // go-yaml's BOM test looks at the start of the value, not at each
    // character: a value that starts with one is escaped throughout.
    const bom = s.charCodeAt(0) === 0xfeff;
    const n = s.length;
    let out = '';
    let spaces = false;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (!printable(c) || bom || isBreak(c) || c === 0x22 || c === 0x5c) {
        const cp = s.codePointAt(i)!;
        if (cp > 0xffff) i++;
        const e = escapeChar(cp);
        out += e;
        this.column += e.length;
        spaces = false;
      } else if (c === 0x20) {
        if (allowBreaks && !spaces && this.column > WIDTH && i > 0 && i < n - 1) {
          out += this.fold();
          if (s.charCodeAt(i + 1) === 0x20) {
            out += '\\';
            this.column++;
          }
        } else {
          out += ' ';
          this.column++;
        }
        spaces = true;
      } else {
        out += s[i];
        this.column++;
        spaces = false;
      }
    }
    this.buf += out;
    this.indicator('"', false, false, false);
    this.whitespace = this.indention = false;
  }

  // Literal blocks hold no break but "\n" (see string() and analyze()):
  // each line at the scalar's indentation, empty lines empty.
  private literal(s: string): void {
    this.indicator('|', true, false, false);
    const first = s.charCodeAt(0);
    if (first === 0x20 || isBreak(first)) this.indicator(String(INDENT), false, false, false);
    const n = s.length;
    const chomp = !isBreak(s.charCodeAt(n - 1)) ? '-' : n === 1 || isBreak(s.charCodeAt(n - 2)) ? '+' : '';
    if (chomp) this.indicator(chomp, false, false, false);
    const pad = ' '.repeat(this.indent);
    const lines = s.split('\n');
    this.buf += `\n${lines.map((l) => (l === '' ? '' : pad + l)).join('\n')}`;
    const last = lines[lines.length - 1]!;
    this.column = last === '' ? 0 : this.indent + Array.from(last).length;
    this.indention = last === '';
    this.whitespace = true;
  }
}

const ESCAPES: { [c: string]: string } = {
  '\0': '0',
  '\x07': 'a',
  '\b': 'b',
  '\t': 't',
  '\n': 'n',
  '\v': 'v',
  '\f': 'f',
  '\r': 'r',
  '\x1b': 'e',
  '"': '"',
  '\\': '\\',
  '\u0085': 'N',
  '\u00a0': '_',
  '\u2028': 'L',
  '\u2029': 'P',
};

// A double-quoted escape, backslash included; hex digits in upper case.
function escapeChar(p: number): string {
  const named = ESCAPES[String.fromCodePoint(p)];
  if (named) return `\\${named}`;
  const hex = p.toString(16).toUpperCase();
  return p <= 0xff ? `\\x${hex.padStart(2, '0')}` : p <= 0xffff ? `\\u${hex.padStart(4, '0')}` : `\\U${hex.padStart(8, '0')}`;
}

export function yamlText(v: JsonValue): string {
  const e = new Emitter();
  e.document(v);
  return e.text();
}
