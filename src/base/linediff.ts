// Line diffs of two texts (Myers' O(ND) algorithm) and their unified form,
// as diff -u writes it: what k8s diff shows of an object that changed.

export interface Edit {
  op: ' ' | '-' | '+';
  line: string;
}

// Past this many edits in the middle (after common head and tail are set
// aside), the middle is shown as replaced: the trace would grow as D².
const MAX_EDITS = 1000;

export function lineEdits(a: string[], b: string[]): Edit[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const same = (from: string[], i: number, j: number): Edit[] => from.slice(i, j).map((line) => ({ op: ' ', line }));
  return [...same(a, 0, head), ...middle(a.slice(head, a.length - tail), b.slice(head, b.length - tail)), ...same(a, a.length - tail, a.length)];
}

function middle(a: string[], b: string[]): Edit[] {
  const n = a.length;
  const m = b.length;
  const replaced = (): Edit[] => [...a.map((line) => ({ op: '-' as const, line })), ...b.map((line) => ({ op: '+' as const, line }))];
  if (n === 0 || m === 0) return replaced();
  const limit = Math.min(n + m, MAX_EDITS);
  const o = limit + 1;
  const v = new Int32Array(2 * limit + 3);
  // v as it was before each round d, over the diagonals that round reads.
  const trace: { base: number; v: Int32Array }[] = [];
  const pick = (vv: (k: number) => number, k: number, d: number) => (k === -d || (k !== d && vv(k - 1) < vv(k + 1)) ? k + 1 : k - 1);
  for (let d = 0; d <= limit; d++) {
    trace.push({ base: -d - 1, v: v.slice(o - d - 1, o + d + 2) });
    for (let k = -d; k <= d; k += 2) {
      const from = pick((i) => v[o + i]!, k, d);
      let x = from === k + 1 ? v[o + k + 1]! : v[o + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[o + k] = x;
      if (x >= n && y >= m) return backtrack(a, b, trace, d, pick);
    }
  }
  return replaced();
}

function backtrack(
  a: string[],
  b: string[],
  trace: { base: number; v: Int32Array }[],
  last: number,
  pick: (vv: (k: number) => number, k: number, d: number) => number,
): Edit[] {
  const out: Edit[] = [];
  let x = a.length;
  let y = b.length;
  for (let d = last; d >= 0; d--) {
    const t = trace[d]!;
    const vv = (k: number) => t.v[k - t.base]!;
    const k = x - y;
    const prevK = d === 0 ? 0 : pick(vv, k, d);
    const prevX = d === 0 ? 0 : vv(prevK);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      y--;
      out.push({ op: ' ', line: a[--x]! });
    }
    if (d > 0) {
      if (x === prevX) out.push({ op: '+', line: b[--y]! });
      else out.push({ op: '-', line: a[--x]! });
    }
  }
  return out.reverse();
}

// A range in the @@ line: GNU diff leaves out a count of one, and names
// the line before an empty range.
const range = (start: number, count: number) => (count === 1 ? `${start}` : `${count === 0 ? start - 1 : start},${count}`);

// The unified diff of two texts ending in newlines, `context` lines around
// each change; empty when they are the same.
export function unifiedDiff(a: string, b: string, labels: [string, string], context = 3): string[] {
  const lines = (s: string) => (s === '' ? [] : s.replace(/\n$/, '').split('\n'));
  const edits = lineEdits(lines(a), lines(b));
  if (edits.every((e) => e.op === ' ')) return [];
  const out = [`--- ${labels[0]}`, `+++ ${labels[1]}`];
  // Each edit's line number on either side.
  const at: [number, number][] = [];
  let ai = 1;
  let bi = 1;
  for (const e of edits) {
    at.push([ai, bi]);
    if (e.op !== '+') ai++;
    if (e.op !== '-') bi++;
  }
  let i = 0;
  while (i < edits.length) {
    while (i < edits.length && edits[i]!.op === ' ') i++;
    if (i === edits.length) break;
    const start = Math.max(0, i - context);
    let end = i;
    // A hunk runs on while the next change is within twice the context.
    for (;;) {
      while (end < edits.length && edits[end]!.op !== ' ') end++;
      let next = end;
      while (next < edits.length && edits[next]!.op === ' ') next++;
      if (next < edits.length && next - end <= 2 * context) end = next;
      else {
        end = Math.min(edits.length, end + context);
        break;
      }
    }
    const hunk = edits.slice(start, end);
    const [a0, b0] = at[start]!;
    out.push(`@@ -${range(a0, hunk.filter((e) => e.op !== '+').length)} +${range(b0, hunk.filter((e) => e.op !== '-').length)} @@`);
    for (const e of hunk) out.push(e.op + e.line);
    i = end;
  }
  return out;
}
