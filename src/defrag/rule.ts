// --defrag-rule: a small expression language over a member's sizes,
// parsed by hand (never eval): numbers with KiB/MiB/GiB suffixes, the
// variables below, + - * /, comparisons, && || ! and parentheses.

export const VARIABLES = ['dbSize', 'dbSizeInUse', 'dbSizeFree', 'dbQuota', 'dbQuotaUsage'] as const;
export type Variables = Record<(typeof VARIABLES)[number], number>;

export class RuleError extends Error {
  constructor(
    readonly reason: string,
    readonly source: string,
    readonly column: number,
  ) {
    // The rule, and a caret under the offending token.
    super(`${reason} at column ${column + 1}\n  ${source}\n  ${' '.repeat(column)}^`);
  }
}

type Token =
  | { kind: 'num'; value: number; at: number }
  | { kind: 'id'; name: string; at: number }
  | { kind: 'op'; op: string; at: number }
  | { kind: 'end'; at: number };

const UNITS: Record<string, number> = { KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, TiB: 1024 ** 4 };
const MAX_DEPTH = 64;
const OPS = ['&&', '||', '<=', '>=', '==', '!=', '<', '>', '+', '-', '*', '/', '!', '(', ')'];

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    // A unit may follow its number with or without a space: 10MiB, 10 MiB.
    const num = /^(\d+(?:\.\d+)?)(\s*)([A-Za-z_]\w*)?/.exec(src.slice(i));
    if (num) {
      let len = num[1]!.length;
      let unit = 1;
      const word = num[3];
      if (word !== undefined && word in UNITS) {
        unit = UNITS[word]!;
        len = num[0].length;
      } else if (word !== undefined && (num[2] === '' || !(VARIABLES as readonly string[]).includes(word))) {
        throw new RuleError(`unknown unit ${JSON.stringify(word)} (use KiB, MiB, GiB or TiB)`, src, i + num[1]!.length + num[2]!.length);
      }
      out.push({ kind: 'num', value: Number(num[1]) * unit, at: i });
      i += len;
      continue;
    }
    const id = /^[A-Za-z_]\w*/.exec(src.slice(i));
    if (id) {
      if (!(VARIABLES as readonly string[]).includes(id[0]))
        throw new RuleError(`unknown name ${JSON.stringify(id[0])} (known: ${VARIABLES.join(', ')})`, src, i);
      out.push({ kind: 'id', name: id[0], at: i });
      i += id[0].length;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw new RuleError(`unexpected ${JSON.stringify(c)}`, src, i);
    out.push({ kind: 'op', op, at: i });
    i += op.length;
  }
  out.push({ kind: 'end', at: src.length });
  return out;
}

// The parsed rule: a tree of nodes, each evaluating to a number or a boolean.
type Node = { at: number } & (
  | { t: 'num'; v: number }
  | { t: 'var'; name: keyof Variables }
  | { t: 'un'; op: string; e: Node }
  | { t: 'bin'; op: string; l: Node; r: Node }
);
type Kind = 'number' | 'boolean';

export interface Rule {
  source: string;
  test(v: Variables): boolean;
}

export function parseRule(source: string): Rule {
  const toks = tokenize(source);
  let p = 0;
  const peek = () => toks[p]!;
  const isOp = (...ops: string[]) => {
    const t = peek();
    return t.kind === 'op' && ops.includes(t.op);
  };
  const fail = (t: Token, what: string): never => {
    throw new RuleError(
      t.kind === 'end'
        ? `${what}, but the rule ends`
        : `${what}, found ${JSON.stringify(source.slice(t.at, t.at + (t.kind === 'op' ? t.op.length : t.kind === 'id' ? t.name.length : 1)))}`,
      source,
      t.at,
    );
  };
  // Precedence climbing: || < && < comparisons < + - < * / < unary.
  const levels = [['||'], ['&&'], ['==', '!=', '<', '<=', '>', '>='], ['+', '-'], ['*', '/']];
  // Parentheses and unary operators nest the parser's calls; a rule that
  // needs more than this is no rule a person wrote.
  let depth = 0;
  const deeper = (at: number) => {
    if (++depth > MAX_DEPTH) throw new RuleError(`the rule nests more than ${MAX_DEPTH} levels of parentheses and operators`, source, at);
  };
  const binary = (level: number): Node => {
    if (level === levels.length) return unary();
    let l = binary(level + 1);
    while (isOp(...levels[level]!)) {
      const t = toks[p++] as { op: string; at: number };
      l = { t: 'bin', op: t.op, l, r: binary(level + 1), at: t.at };
    }
    return l;
  };
  const unary = (): Node => {
    if (isOp('!', '-')) {
      const t = toks[p++] as { op: string; at: number };
      deeper(t.at);
      const e = unary();
      depth--;
      return { t: 'un', op: t.op, e, at: t.at };
    }
    const t = toks[p++]!;
    if (t.kind === 'num') return { t: 'num', v: t.value, at: t.at };
    if (t.kind === 'id') return { t: 'var', name: t.name as keyof Variables, at: t.at };
    if (t.kind === 'op' && t.op === '(') {
      deeper(t.at);
      const e = binary(0);
      if (!isOp(')')) fail(peek(), 'expected ")"');
      p++;
      depth--;
      return e;
    }
    return fail(t, 'expected a number, a name or "("');
  };
  const root = binary(0);
  if (peek().kind !== 'end') fail(peek(), 'expected an operator');

  // Types are checked before any member is looked at.
  const typeOf = (n: Node): Kind => {
    const want = (e: Node, k: Kind, what: string) => {
      if (typeOf(e) !== k) throw new RuleError(`${what} needs a ${k}`, source, e.at);
    };
    switch (n.t) {
      case 'num':
      case 'var':
        return 'number';
      case 'un':
        want(n.e, n.op === '!' ? 'boolean' : 'number', `"${n.op}"`);
        return n.op === '!' ? 'boolean' : 'number';
      case 'bin':
        if (n.op === '&&' || n.op === '||') {
          want(n.l, 'boolean', `"${n.op}"`);
          want(n.r, 'boolean', `"${n.op}"`);
          return 'boolean';
        }
        want(n.l, 'number', `"${n.op}"`);
        want(n.r, 'number', `"${n.op}"`);
        if (n.op === '/' && n.r.t === 'num' && n.r.v === 0) throw new RuleError('division by zero', source, n.at);
        return ['+', '-', '*', '/'].includes(n.op) ? 'number' : 'boolean';
    }
  };
  if (typeOf(root) !== 'boolean') throw new RuleError('the rule must be a condition (a comparison, or conditions joined by && and ||)', source, 0);

  const evaluate = (n: Node, v: Variables): number | boolean => {
    switch (n.t) {
      case 'num':
        return n.v;
      case 'var':
        return v[n.name];
      case 'un':
        return n.op === '!' ? !evaluate(n.e, v) : -(evaluate(n.e, v) as number);
      case 'bin': {
        if (n.op === '&&') return (evaluate(n.l, v) as boolean) && (evaluate(n.r, v) as boolean);
        if (n.op === '||') return (evaluate(n.l, v) as boolean) || (evaluate(n.r, v) as boolean);
        const a = evaluate(n.l, v) as number;
        const b = evaluate(n.r, v) as number;
        switch (n.op) {
          case '+':
            return a + b;
          case '-':
            return a - b;
          case '*':
            return a * b;
          case '/':
            // A size that is 0 on some member (no quota reported, say).
            if (b === 0) throw new RuleError(`division by zero on this member (${describe(n.r)} is 0)`, source, n.at);
            return a / b;
          case '<':
            return a < b;
          case '<=':
            return a <= b;
          case '>':
            return a > b;
          case '>=':
            return a >= b;
          case '==':
            return a === b;
          default:
            return a !== b;
        }
      }
    }
  };
  return { source, test: (v) => evaluate(root, v) as boolean };
}

// What a divisor was, for the error.
function describe(n: Node): string {
  return n.t === 'var' ? n.name : 'the divisor';
}
