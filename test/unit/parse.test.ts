// Command-line and txn grammar parsing, no server involved.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../../src/cli/errors.js';
import { parseArgs, scan, type FlagSpec } from '../../src/cli/flags.js';
import { parseDuration, parseInt64 } from '../../src/cli/values.js';
import { argify } from '../../src/commands/goquote.js';
import { prefixEnd } from '../../src/commands/keys.js';
import { parseCompare } from '../../src/commands/txn.js';
import { CompareResult, CompareTarget } from '../../src/client/types.js';

test('Go durations', () => {
  assert.equal(parseDuration('2s'), 2000);
  assert.equal(parseDuration('1m30s'), 90000);
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('1us'), 0.001);
  assert.equal(parseDuration('1µs'), 0.001);
  assert.equal(parseDuration('1.5h'), 5400000);
  assert.equal(parseDuration('0'), 0);
  assert.throws(() => parseDuration('abc'), /time: invalid duration "abc"/);
  assert.throws(() => parseDuration('5'), /time: missing unit in duration "5"/);
  assert.throws(() => parseDuration('5x'), /time: unknown unit "x" in duration "5x"/);
  // Beyond an int64 of nanoseconds (about 292 years).
  assert.throws(() => parseDuration('3000000000000000000000s'), /time: invalid duration "3000000000000000000000s"/);
  assert.equal(parseDuration('2562047h'), 2562047 * 3600000);
});

test('int64 parsing keeps precision and reports Go errors', () => {
  assert.equal(parseInt64('9223372036854775807'), 9223372036854775807n);
  assert.equal(parseInt64('7fffffffffffffff', 16), 9223372036854775807n);
  assert.throws(() => parseInt64('9223372036854775808'), /strconv.ParseInt: parsing "9223372036854775808": value out of range/);
  assert.throws(() => parseInt64('zz', 16), /strconv.ParseInt: parsing "zz": invalid syntax/);
});

// Integer flags are read with base 0, as pflag does; the values were checked
// against etcdctl's --limit.
test('base-0 integers (flags): prefixes, octal, underscores', () => {
  const ok: [string, bigint][] = [
    ['010', 8n],
    ['0b11', 3n],
    ['0o7', 7n],
    ['0x_a', 10n],
    ['1_1', 11n],
    ['0x1_0', 16n],
    ['0_7', 7n],
    ['0', 0n],
    ['00', 0n],
    ['-0x3', -3n],
    ['+0b1', 1n],
    ['0B1', 1n],
    ['0X1', 1n],
    ['0x7fffffffffffffff', 9223372036854775807n],
    ['-0x8000000000000000', -9223372036854775808n],
  ];
  for (const [s, v] of ok) assert.equal(parseInt64(s, 0), v, s);
  for (const s of ['0x', '08', '1__0', '_1', '1_', '0_x1', '0x_', '0b', '0o8', '', '-', '1e2', ' 1']) {
    assert.throws(() => parseInt64(s, 0), new RegExp(`^Error: strconv.ParseInt: parsing ${JSON.stringify(s).replace(/[+]/g, '\\+')}: invalid syntax$`), s);
  }
  assert.throws(() => parseInt64('9223372036854775808', 0), /value out of range/);
  // Positional numbers (base 10) keep Go's ParseInt(s, 10, 64) rules.
  assert.throws(() => parseInt64('0x1'), /invalid syntax/);
  assert.throws(() => parseInt64('1_0'), /invalid syntax/);
  assert.equal(parseInt64('010'), 10n);
});

const SPECS: FlagSpec[] = [
  { name: 'prefix', kind: 'bool', def: 'false', help: '' },
  { name: 'write-out', short: 'w', kind: 'string', def: 'simple', help: '' },
  { name: 'endpoints', kind: 'strings', def: '[127.0.0.1:2379]', help: '' },
  { name: 'interactive', short: 'i', kind: 'bool', def: 'false', help: '' },
];

test('pflag scanning', () => {
  assert.deepEqual(scan(['a', '--prefix=false', '-wjson', 'b'], SPECS), { argv: ['a', '--write-out=json', 'b'], falseBools: ['prefix'] });
  assert.deepEqual(scan(['-w=json', '-i', '--', '-v'], SPECS).argv, ['--write-out=json', '--interactive', '--', '-v']);
  assert.throws(
    () => scan(['--bogus'], SPECS),
    (e: Error) => e instanceof UsageError && e.message === 'unknown flag: --bogus',
  );
  assert.throws(() => scan(['-5'], SPECS), /unknown shorthand flag: '5' in -5/);
  assert.throws(() => scan(['-w'], SPECS), /flag needs an argument: 'w' in -w/);
  assert.throws(() => scan(['--prefix=maybe'], SPECS), /invalid argument "maybe" for "--prefix" flag: strconv.ParseBool: parsing "maybe": invalid syntax/);
  const { flags, positionals } = parseArgs(['--endpoints', 'a, b', 'k', '--endpoints=c', '--prefix'], SPECS);
  assert.deepEqual(flags.endpoints, ['a', 'b', 'c']);
  assert.equal(flags.prefix, true);
  assert.deepEqual(positionals, ['k']);
});

test('Argify (3.5+ behaviour: single quotes kept whole)', () => {
  assert.deepEqual(argify(''), []);
  assert.deepEqual(argify('foo bar baz'), ['foo', 'bar', 'baz']);
  assert.deepEqual(argify("'hello world'"), ['hello world']);
  assert.deepEqual(argify('"hello world"'), ['hello world']);
  assert.deepEqual(argify("put 'my key' 'my value'"), ['put', 'my key', 'my value']);
  assert.deepEqual(argify("''"), ['']);
  assert.deepEqual(argify('""'), ['']);
  assert.deepEqual(argify('"hello\\"world"'), ['hello"world']);
  assert.deepEqual(argify('put k "a\\x23b\\n"'), ['put', 'k', 'a#b\n']);
});

test('txn compares', () => {
  const c = parseCompare('mod("k") > "5"');
  assert.equal(c.target, CompareTarget.Mod);
  assert.equal(c.result, CompareResult.Greater);
  assert.equal(c.mod_revision, 5n);
  assert.equal(parseCompare('value(`k`) != `x`').value!.toString(), 'x');
  assert.throws(() => parseCompare('value(tk1) = "v1"'), { message: 'malformed comparison: value(tk1) = "v1"; got value("")  ""' });
  assert.throws(() => parseCompare('ver("k") >= "1"'), /unknown operator >=/);
  assert.throws(() => parseCompare('lease("k") = "1"'), /lease comparisons are not supported/);
  assert.throws(() => parseCompare('mod("tk1") > "x"'), { message: 'invalid txn compare request: mod("tk1") > "x"' });
});

test('prefix range ends', () => {
  assert.deepEqual(prefixEnd(Buffer.from('abc')), Buffer.from('abd'));
  assert.deepEqual(prefixEnd(Buffer.from([0x61, 0xff])), Buffer.from([0x62]));
  assert.deepEqual(prefixEnd(Buffer.from([0xff, 0xff])), Buffer.from([0]));
});

test('64-bit integers between 2^53 and 2^56 (8-byte varints) decode exactly', async () => {
  const { decode, encode } = await import('../../src/client/proto.js');
  const pb = await import('../../src/client/messages.js');
  for (const id of [2n ** 53n + 1n, 0x0135a2105e465707n >> 1n, 2n ** 56n - 1n, 2n ** 63n - 1n, 9007199254740993n]) {
    const m = decode(pb.LeaseGrantResponse, encode(pb.LeaseGrantResponse, { ID: id, TTL: 10n }));
    assert.equal(m.ID, id);
  }
});
