// k8s get -o yaml must parse back to exactly the object -o json prints,
// with YAML 1.1 (PyYAML, what the issue's operator used) and YAML 1.2
// readers (the yaml package): a corpus of awkward strings as values, keys
// and list items, then a seeded random fuzz over an awkward alphabet.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { parse } from 'yaml';
import { yamlText } from '../../src/k8s/text.js';

const CORPUS = [
  '  a\nb', '\n', 'x\n\n', ' \n x', 'x\n', 'x', '', ' ', '  ', '\t', 'a\tb', '\ta', 'a\n', '\na', '\n\n', 'a\n\nb\n\n\n',
  '\n  \nx', 'line 1\nline 2\n', 'trailing \nspace ', ' lead', 'trail ', "it's", '"quoted"', 'back\\slash', 'a: b', 'a:b', 'a:', ':a', 'a #b', 'a#b', '#a',
  '-', '- a', '-a', '-Mbignum=bpi', '--', '---', '--- a', '...', '... a', '?', '? a', '?a', '[a]', '{a}', 'a,b', '&a', '*a', '!a', '|', '>', '%a', '@a', '`a',
  'null', 'Null', 'NULL', '~', 'true', 'True', 'yes', 'no', 'on', 'off', 'y', 'n', 'Y', 'N', '1', '-1', '+1', '0', '007', '0x1F', '-0x1f', '0o17', '0b101', '1_000',
  '1.5', '.5', '-.5', '1e3', '1E-3', '.inf', '-.inf', '.nan', '1:20', '190:20:30.15', '2001-12-14', '2001-12-14t21:59:43.10-05:00', '2001-12-14 21:59:43.10 -5', '<<', '=',
  'a\rb', '\r\n', 'a\x00b', '\x07', '\x1b[31m', 'a\x7fb', 'a\u0085b', 'a\u2028b', 'a\u2029b', '\ufeffa', 'é', '日本語', '😀', 'a\u00a0b', 'ünïcode\nmore',
  'x'.repeat(200), `${'word '.repeat(40)}end`, '#!/bin/sh\necho "hi"\n', 'key: value\nother: 2\n', '  indented\n  block\n', 'a\n  b\n', '\tx\ny',
];

// PyYAML, once for the whole document; JSON back so that types are kept.
function pyyaml(text: string): unknown {
  return JSON.parse(execFileSync('python3', ['-c', 'import json,sys,yaml; print(json.dumps(yaml.safe_load(sys.stdin.read())))'], { input: text, encoding: 'utf8' }));
}

function roundTrip(strings: string[], label: string): void {
  const doc = {
    values: Object.fromEntries(strings.map((s, i) => [`k${i}`, s])),
    keys: Object.fromEntries(strings.filter((s, i) => strings.indexOf(s) === i).map((s, i) => [s, i])),
    items: strings,
    nested: [{ list: strings.slice(0, 20), map: { inner: strings.slice(0, 20) } }],
  };
  const text = yamlText(doc);
  for (const [name, read] of [['yaml 1.2', (t: string) => parse(t, { version: '1.2' })], ['yaml 1.1', (t: string) => parse(t, { version: '1.1' })], ['PyYAML', pyyaml]] as const) {
    const back = read(text) as typeof doc;
    for (const [i, s] of strings.entries()) {
      if (back.values[`k${i}`] !== s) assert.fail(`${label}, ${name}: ${JSON.stringify(s)} came back as ${JSON.stringify(back.values[`k${i}`])} from:\n${text.split('\n').filter((l) => l.startsWith(`  k${i}:`) || l.startsWith(`  k${i}: `)).join('\n')}`);
    }
    assert.deepEqual(back, doc, `${label}, ${name}`);
  }
}

test('a corpus of awkward strings parses back unchanged as values, keys and list items', () => {
  roundTrip(CORPUS, 'corpus');
});

test('seeded random strings over an awkward alphabet parse back unchanged', () => {
  const alphabet = [' ', ' ', '\n', '\n', '\t', ':', '#', '-', '?', "'", '"', '\\', '|', '>', 'a', 'b', '1', '0', '.', 'e', '\r', '\u2028', '\u0085', '\ufeff', '\x00', 'é', '😀', 'y', '~', '[', '{', ',', '&', '*', '!', '%', '@'];
  let seed = Number(process.env.YAML_SEED ?? 20261202);
  const rand = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x80000000;
  };
  for (let round = 0; round < 20; round++) {
    const strings = Array.from({ length: 100 }, () => Array.from({ length: 1 + Math.floor(rand() * 12) }, () => alphabet[Math.floor(rand() * alphabet.length)]!).join(''));
    roundTrip(strings, `round ${round} (YAML_SEED=${process.env.YAML_SEED ?? 20261202})`);
  }
});

test('the layout stays kubectl\'s where the data allows: plain scalars, literal blocks', () => {
  assert.equal(yamlText({ a: 'x', b: 'line 1\nline 2\n', c: 'two\nlines', d: 'x\n\n', e: ['v', '1'], f: 'http://h:1/p' }), 'a: x\nb: |\n  line 1\n  line 2\nc: |-\n  two\n  lines\nd: |+\n  x\n\ne:\n- v\n- "1"\nf: http://h:1/p\n');
  // go-yaml leaves these plain; an empty string is "".
  assert.equal(yamlText({ args: ['-Mbignum=bpi', '-wle', '--x', ':y', '?z', '- a', '-', ''] }), 'args:\n- -Mbignum=bpi\n- -wle\n- --x\n- :y\n- ?z\n- \'- a\'\n- \'-\'\n- ""\n');
});
