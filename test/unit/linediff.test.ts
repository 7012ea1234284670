// Line diffs against GNU diff: the same hunks where the change is plain,
// and, over seeded random texts, edits that turn one text into the other
// with as few changed lines as `diff --minimal` finds.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { lineEdits, unifiedDiff } from '../../src/base/linediff.js';

const dir = mkdtempSync(join(tmpdir(), 'linediff-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

function gnu(a: string, b: string, minimal = false): string[] {
  writeFileSync(join(dir, 'a'), a);
  writeFileSync(join(dir, 'b'), b);
  try {
    execFileSync('diff', ['-U3', ...(minimal ? ['--minimal'] : []), '--label', 'A', '--label', 'B', join(dir, 'a'), join(dir, 'b')], { encoding: 'utf8' });
    return [];
  } catch (e) {
    const out = (e as { status: number; stdout: string }).stdout;
    return out.replace(/\n$/, '').split('\n');
  }
}

const text = (lines: string[]) => lines.map((l) => `${l}\n`).join('');
const numbered = (n: number) => Array.from({ length: n }, (_, i) => `line ${i + 1}`);

test('unified hunks are what diff -u writes for plain changes', () => {
  const base = numbered(40);
  const cases: [string, string[]][] = [
    ['one line changed', base.map((l, i) => (i === 19 ? 'changed' : l))],
    ['first line changed', base.map((l, i) => (i === 0 ? 'changed' : l))],
    ['last line removed', base.slice(0, -1)],
    ['lines added at the end', [...base, 'new 1', 'new 2']],
    ['lines added at the start', ['new', ...base]],
    ['two changes merged into one hunk', base.map((l, i) => (i === 10 || i === 16 ? `${l}!` : l))],
    ['two changes in two hunks', base.map((l, i) => (i === 5 || i === 30 ? `${l}!` : l))],
    ['a block removed', [...base.slice(0, 12), ...base.slice(20)]],
    ['everything replaced', ['x', 'y']],
    ['from nothing', []],
    ['down to one line', ['line 1']],
  ];
  for (const [name, b] of cases) {
    assert.deepEqual(unifiedDiff(text(base), text(b), ['A', 'B']), gnu(text(base), text(b)), name);
    assert.deepEqual(unifiedDiff(text(b), text(base), ['A', 'B']), gnu(text(b), text(base)), `${name}, reversed`);
  }
  assert.deepEqual(unifiedDiff('a\n', 'b\n', ['A', 'B']), ['--- A', '+++ B', '@@ -1 +1 @@', '-a', '+b']);
  assert.deepEqual(unifiedDiff(text(base), text(base), ['A', 'B']), []);
});

test('random texts: edits that rebuild the second, no longer than diff --minimal', () => {
  let seed = Number(process.env.LINEDIFF_SEED ?? 7);
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  for (let round = 0; round < 150; round++) {
    const words = ['a', 'b', 'c', 'd', 'e', '  x: 1', '- y'];
    const a = Array.from({ length: rand(60) }, () => words[rand(words.length)]!);
    const b = [...a];
    for (let k = rand(12); k > 0; k--) {
      const at = rand(b.length + 1);
      if (rand(2) === 0 && b.length > 0) b.splice(at, 1);
      else b.splice(at, 0, words[rand(words.length)]!);
    }
    const edits = lineEdits(a, b);
    assert.deepEqual(
      edits.filter((e) => e.op !== '+').map((e) => e.line),
      a,
      `round ${round}: the first text`,
    );
    assert.deepEqual(
      edits.filter((e) => e.op !== '-').map((e) => e.line),
      b,
      `round ${round}: the second text`,
    );
    const changed = gnu(text(a), text(b), true).filter((l) => /^[-+](?![-+]{2} [AB]$)/.test(l)).length;
    assert.equal(
      edits.filter((e) => e.op !== ' ').length,
      changed,
      `round ${round}: as few changed lines as diff --minimal (seed ${process.env.LINEDIFF_SEED ?? 7})`,
    );
  }
});

test('a middle with more edits than the limit is shown as replaced, still correct', () => {
  const a = Array.from({ length: 3000 }, (_, i) => `a${i}`);
  const b = Array.from({ length: 3000 }, (_, i) => (i % 2 ? `a${i}` : `b${i}`));
  const edits = lineEdits(a, b);
  assert.deepEqual(
    edits.filter((e) => e.op !== '+').map((e) => e.line),
    a,
  );
  assert.deepEqual(
    edits.filter((e) => e.op !== '-').map((e) => e.line),
    b,
  );
});
