// k8s get -o yaml must parse back to exactly the object -o json prints,
// with YAML 1.1 (PyYAML, what the issue's operator used) and YAML 1.2
// readers (the yaml package): a corpus of awkward strings as values, keys
// and list items, then a seeded random fuzz over an awkward alphabet.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { parse } from 'yaml';
import { isDeepStrictEqual } from 'node:util';
import { yamlText } from '../../src/k8s/text.js';
import { jsonLine, type JsonValue } from '../../src/base/json-text.js';
import { kubectlYaml } from '../harness/kubectl-yaml.js';

const CORPUS = [
  '  a\nb',
  '\n',
  'x\n\n',
  ' \n x',
  'x\n',
  'x',
  '',
  ' ',
  '  ',
  '\t',
  'a\tb',
  '\ta',
  'a\n',
  '\na',
  '\n\n',
  'a\n\nb\n\n\n',
  '\n  \nx',
  'line 1\nline 2\n',
  'trailing \nspace ',
  ' lead',
  'trail ',
  "it's",
  '"quoted"',
  'back\\slash',
  'a: b',
  'a:b',
  'a:',
  ':a',
  'a #b',
  'a#b',
  '#a',
  '-',
  '- a',
  '-a',
  '-Mbignum=bpi',
  '--',
  '---',
  '--- a',
  '...',
  '... a',
  '?',
  '? a',
  '?a',
  '[a]',
  '{a}',
  'a,b',
  '&a',
  '*a',
  '!a',
  '|',
  '>',
  '%a',
  '@a',
  '`a',
  'null',
  'Null',
  'NULL',
  '~',
  'true',
  'True',
  'yes',
  'no',
  'on',
  'off',
  'y',
  'n',
  'Y',
  'N',
  '1',
  '-1',
  '+1',
  '0',
  '007',
  '0x1F',
  '-0x1f',
  '0o17',
  '0b101',
  '1_000',
  '1.5',
  '.5',
  '-.5',
  '1e3',
  '1E-3',
  '.inf',
  '-.inf',
  '.nan',
  '1:20',
  '190:20:30.15',
  '2001-12-14',
  '2001-12-14t21:59:43.10-05:00',
  '2001-12-14 21:59:43.10 -5',
  '<<',
  '=',
  '1.2.3',
  '10.0.0.1',
  '0.1.0',
  '1..2',
  '1.2.3e4',
  '1.2e',
  '..',
  '._',
  '1.2.',
  '2001-13-14',
  '2001-02-29',
  '2000-02-29',
  '=',
  '0x',
  '0xG',
  '+0x1f',
  '0_7',
  '_1',
  '1__2',
  '-0',
  '+0',
  '0.0.0.0',
  '1:2:3',
  '01:30',
  'a\rb',
  '\r\n',
  'a\x00b',
  '\x07',
  '\x1b[31m',
  'a\x7fb',
  'a\u0085b',
  'a\u2028b',
  'a\u2029b',
  '\ufeffa',
  'é',
  '日本語',
  '😀',
  'a\u00a0b',
  'ünïcode\nmore',
  'x'.repeat(200),
  `${'word '.repeat(40)}end`,
  '#!/bin/sh\necho "hi"\n',
  'key: value\nother: 2\n',
  '  indented\n  block\n',
  'a\n  b\n',
  '\tx\ny',
];

// PyYAML, once for the whole document; JSON back so that types are kept.
function pyyaml(text: string): unknown {
  return JSON.parse(
    execFileSync('python3', ['-c', 'import json,sys,yaml; print(json.dumps(yaml.safe_load(sys.stdin.read())))'], { input: text, encoding: 'utf8' }),
  );
}

function roundTrip(strings: string[], label: string): void {
  const doc = {
    values: Object.fromEntries(strings.map((s, i) => [`k${i}`, s])),
    keys: Object.fromEntries(strings.filter((s, i) => strings.indexOf(s) === i).map((s, i) => [s, i])),
    items: strings,
    nested: [{ list: strings.slice(0, 20), map: { inner: strings.slice(0, 20) } }],
  };
  const text = yamlText(doc);
  for (const [name, read] of [
    ['yaml 1.2', (t: string) => parse(t, { version: '1.2' })],
    ['yaml 1.1', (t: string) => parse(t, { version: '1.1' })],
    ['PyYAML', pyyaml],
  ] as const) {
    const back = read(text) as typeof doc;
    for (const [i, s] of strings.entries()) {
      if (back.values[`k${i}`] !== s)
        assert.fail(
          `${label}, ${name}: ${JSON.stringify(s)} came back as ${JSON.stringify(back.values[`k${i}`])} from:\n${text
            .split('\n')
            .filter((l) => l.startsWith(`  k${i}:`) || l.startsWith(`  k${i}: `))
            .join('\n')}`,
        );
    }
    assert.deepEqual(back, doc, `${label}, ${name}`);
  }
}

test('a corpus of awkward strings parses back unchanged as values, keys and list items', () => {
  roundTrip(CORPUS, 'corpus');
});

test('seeded random strings over an awkward alphabet parse back unchanged', () => {
  const alphabet = [
    ' ',
    ' ',
    '\n',
    '\n',
    '\t',
    ':',
    '#',
    '-',
    '?',
    "'",
    '"',
    '\\',
    '|',
    '>',
    'a',
    'b',
    '1',
    '0',
    '.',
    'e',
    '\r',
    '\u2028',
    '\u0085',
    '\ufeff',
    '\x00',
    'é',
    '😀',
    'y',
    '~',
    '[',
    '{',
    ',',
    '&',
    '*',
    '!',
    '%',
    '@',
  ];
  let seed = Number(process.env.YAML_SEED ?? 20261202);
  const rand = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x80000000;
  };
  for (let round = 0; round < 20; round++) {
    const strings = Array.from({ length: 100 }, () =>
      Array.from({ length: 1 + Math.floor(rand() * 12) }, () => alphabet[Math.floor(rand() * alphabet.length)]!).join(''),
    );
    roundTrip(strings, `round ${round} (YAML_SEED=${process.env.YAML_SEED ?? 20261202})`);
  }
});

// PyYAML over many texts: each one's data, or false where it does not
// load or loads to something JSON has no word for (a date, a set).
const PY_ALL = `import json,sys,yaml
out=[]
for t in json.load(sys.stdin):
  try: out.append([True, json.loads(json.dumps(yaml.safe_load(t)))])
  except Exception as e: out.append([False, str(e)])
print(json.dumps(out))`;

// Whether a YAML text reads back as `doc` with all three readers.
function readsBack(texts: string[], docs: JsonValue[]): boolean[] {
  const py = JSON.parse(execFileSync('python3', ['-c', PY_ALL], { input: JSON.stringify(texts), encoding: 'utf8', maxBuffer: 1 << 28 })) as [
    boolean,
    unknown,
  ][];
  return texts.map((t, i) => {
    const want = JSON.parse(jsonLine(docs[i]!)) as unknown;
    const same = (read: () => unknown) => {
      try {
        return isDeepStrictEqual(read(), want);
      } catch {
        return false;
      }
    };
    return py[i]![0] && isDeepStrictEqual(py[i]![1], want) && same(() => parse(t, { version: '1.1' })) && same(() => parse(t, { version: '1.2' }));
  });
}

// Each string as a value, a key, a list item and deeper, one document
// each, so that a difference names its string.
const shapes = (s: string): JsonValue[] => [{ v: s }, { [s]: 1 }, [s], { a: [{ b: s, c: [s] }], d: { e: s } }];

// Byte for byte kubectl's, except where kubectl's own YAML does not read
// back as the same data: there ours must, and kubectl's must not.
function sameAsKubectl(docs: JsonValue[], label: string): number {
  const ref = kubectlYaml(docs);
  const ours = docs.map((d) => yamlText(d));
  const differ = docs.map((_, i) => i).filter((i) => ours[i] !== ref[i]);
  const refOk = readsBack(
    differ.map((i) => ref[i]!),
    differ.map((i) => docs[i]!),
  );
  const oursOk = readsBack(
    differ.map((i) => ours[i]!),
    differ.map((i) => docs[i]!),
  );
  for (const [k, i] of differ.entries()) {
    if (refOk[k] || !oursOk[k])
      assert.fail(`${label}: ${jsonLine(docs[i]!)}\nkubectl:\n${ref[i]}\nours:\n${ours[i]}\n(kubectl's reads back: ${refOk[k]}; ours: ${oursOk[k]})`);
  }
  return differ.length;
}

const words = (n: number, w: string) => Array.from({ length: n }, (_, i) => `${w}${i}`).join(' ');
const LONG = [
  words(30, 'word'),
  words(12, 'a-much-longer-word'),
  'x'.repeat(100),
  `${'x'.repeat(85)} tail`,
  `${'y'.repeat(79)} a b`,
  `${'z'.repeat(78)}  two  spaces  here`,
  `'${words(20, 'quoted')}`,
  `"${words(20, 'dq')}`,
  `${words(20, 'tab')}\tend`,
  `${words(15, 'esc')}\x01 ${words(10, 'more')}`,
  `${words(20, 'nl')}\n${words(20, 'second')}\n`,
  `${words(20, 'sp')} `,
  ` ${words(20, 'lead')}`,
  `- ${words(20, 'dash')}`,
  `${words(10, 'colon')}: ${words(10, 'x')}`,
  `${words(10, 'hash')} #${words(10, 'x')}`,
  'k'.repeat(129),
  `${'k'.repeat(60)} ${'k'.repeat(60)} ${'k'.repeat(20)}`,
  `é${words(25, 'ünï')}`,
  `${words(25, 'emoji😀')}`,
  `${words(20, 'spaces')}   ${words(20, 'after')}`,
];

test("the layout is kubectl's: a corpus, long lines (folding at 80 columns), keys over 128 bytes, numbers, nesting", () => {
  const docs: JsonValue[] = [...CORPUS, ...LONG].flatMap(shapes);
  docs.push({
    n: [0, -1, 1.5, 0.0001, 0.00001, 1e21, 1234567.5, -2.5e-7, 123456.25, 9007199254740993n, -9223372036854775808n, 18446744073709551615n],
    b: [true, false, null],
  });
  docs.push({
    k10: 1,
    k9: 2,
    k09: 3,
    a1b: 1,
    a01b: 2,
    'a-b': 3,
    A: 4,
    a: 5,
    _x: 6,
    '1': 7,
    '10': 8,
    '2': 9,
    é: 10,
    '': 11,
    'z😀': 12,
    zz: 13,
    key2value: 14,
    key10value: 15,
    x007: 16,
    x7: 17,
    x0: 18,
    x00: 19,
  });
  docs.push([[['deep']], [{ a: [] }, {}], [[], [{}]], { l: [[1, 2], [3]] }], { a: { b: { c: { d: [{ e: [{ f: words(20, 'deep') }] }] } } } });
  docs.push('top', 'line\n', 1, null, [], {});
  const differ = sameAsKubectl(docs, 'layout');
  process.stdout.write(`# ${docs.length - differ} of ${docs.length} documents byte for byte kubectl's; the other ${differ} read back only as ours\n`);
  // A few strings only: those whose kubectl YAML changes the data.
  assert.ok(differ < docs.length / 10, `${differ} of ${docs.length} differ from kubectl`);
});

test("seeded random documents: kubectl's bytes wherever kubectl's read back", () => {
  const alphabet = [
    ' ',
    ' ',
    ' ',
    '\n',
    '\t',
    ':',
    '#',
    '-',
    '?',
    "'",
    '"',
    '\\',
    '|',
    '>',
    'a',
    'b',
    'word',
    'x'.repeat(30),
    '1',
    '0',
    '.',
    'e',
    '_',
    '+',
    'x',
    '\r',
    '\u2028',
    '\u0085',
    '\ufeff',
    '\x00',
    '\x7f',
    'é',
    '😀',
    'y',
    '~',
    '[',
    '{',
    ',',
    '&',
    '*',
    '!',
    '%',
    '@',
    '\u00a0',
  ];
  let seed = Number(process.env.YAML_SEED ?? 20261202);
  const rand = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x80000000;
  };
  const docs: JsonValue[] = [];
  for (let i = 0; i < 3000; i++) {
    const s = Array.from({ length: 1 + Math.floor(rand() * 40) }, () => alphabet[Math.floor(rand() * alphabet.length)]!).join('');
    docs.push(...shapes(s));
  }
  const differ = sameAsKubectl(docs, `YAML_SEED=${process.env.YAML_SEED ?? 20261202}`);
  process.stdout.write(`# ${docs.length - differ} of ${docs.length} documents byte for byte kubectl's; the other ${differ} read back only as ours\n`);
});
