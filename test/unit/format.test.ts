// Printers and Go formatting rules on their own, no server involved.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as pb from '../../src/client/messages.js';
import { decode, encode } from '../../src/client/proto.js';
import { goDuration, goJsonString, goQuote, hexId, hexId16, humanizeBytes } from '../../src/base/gofmt.js';
import { pbJson } from '../../src/output/json.js';
import { renderTable, wrapCell } from '../../src/output/go-table.js';
import { tabwrite } from '../../src/cli/help.js';
import { drawTable } from '../../src/output/own-tables.js';

test('Go %q quoting', () => {
  assert.equal(goQuote('q\tk'), '"q\\tk"');
  assert.equal(goQuote(Buffer.from([0xc3, 0xa9, 0x01, 0xff, 0x22, 0x78])), '"é\\x01\\xff\\"x"');
  assert.equal(goQuote('a\\b\n\r\x07\x08\x0c\x0b'), '"a\\\\b\\n\\r\\a\\b\\f\\v"');
  assert.equal(goQuote('\x7f\u00a0\u2028'), '"\\x7f\\u00a0\\u2028"');
  assert.equal(goQuote('日本 😀'), '"日本 😀"');
  assert.equal(goQuote(Buffer.from([0xed, 0xa0, 0x80])), '"\\xed\\xa0\\x80"');
});

test('Go JSON strings escape HTML and invalid UTF-8', () => {
  assert.equal(goJsonString('<a&b>'), '"\\u003ca\\u0026b\\u003e"');
  assert.equal(goJsonString(Buffer.from([0x61, 0xff])), '"a\\ufffd"');
  assert.equal(goJsonString('t\tq"\\\x01'), '"t\\tq\\"\\\\\\u0001"');
});

test('humanize.Bytes rounds half to even like Go %.0f', () => {
  assert.equal(humanizeBytes(0), '0 B');
  assert.equal(humanizeBytes(9), '9 B');
  assert.equal(humanizeBytes(1000), '1.0 kB');
  assert.equal(humanizeBytes(20480), '20 kB');
  assert.equal(humanizeBytes(24576), '25 kB');
  assert.equal(humanizeBytes(2232320), '2.2 MB');
  assert.equal(humanizeBytes(12500), '12 kB');
  assert.equal(humanizeBytes(13500), '14 kB');
  assert.equal(humanizeBytes(1n << 40n), '1.1 TB');
});

test('time.Duration.String', () => {
  assert.equal(goDuration(943431n), '943.431µs');
  assert.equal(goDuration(2051644n), '2.051644ms');
  assert.equal(goDuration(2000794291n), '2.000794291s');
  assert.equal(goDuration(62500000000n), '1m2.5s');
  assert.equal(goDuration(3600000000000n), '1h0m0s');
  assert.equal(goDuration(0n), '0s');
  assert.equal(goDuration(5n), '5ns');
});

test('uint64 IDs keep every digit', () => {
  const id = 13668033151171901709n;
  assert.equal(hexId(id), 'bdae9bbc11dd390d');
  assert.equal(hexId16(0x48276a8f75b6a87n), '048276a8f75b6a87');
  const header = { cluster_id: 18446744073709551615n, member_id: id, revision: 9223372036854775807n, raft_term: 1n };
  const bytes = encode(pb.ResponseHeader, header);
  assert.deepEqual(decode(pb.ResponseHeader, bytes), header);
  assert.equal(
    pbJson(pb.ResponseHeader, header),
    '{"cluster_id":18446744073709551615,"member_id":13668033151171901709,"revision":9223372036854775807,"raft_term":1}',
  );
});

test('protobuf encoding matches etcdctl bytes for a RangeResponse', () => {
  // Captured from `etcdctl get foo4 -w protobuf | xxd` (see the compat spec).
  const captured = Buffer.from('0a180887d5edba8fd59dc10410c0c0caafc1ba96892e18092002120f0a04666f6f34100818092002' + '2a01782001', 'hex');
  const msg = decode(pb.RangeResponse, captured);
  const kvs = [...(msg.kvs as Iterable<{ key: Buffer; version: bigint }>)];
  assert.equal(kvs.length, 1);
  assert.equal(kvs[0]!.key.toString(), 'foo4');
  assert.equal(kvs[0]!.version, 2n);
  // Lazily decoded lists can be walked again, as json and fields printers do.
  assert.equal([...(msg.kvs as Iterable<unknown>)].length, 1);
  assert.equal(msg.count, 1n);
  assert.equal((msg.header as { cluster_id: bigint }).cluster_id, 324952591200643719n);
  assert.deepEqual(encode(pb.RangeResponse, msg), captured);
});

test('JSON omits empty fields and base64-encodes bytes', () => {
  const r = {
    header: { cluster_id: 1n, member_id: 2n, revision: 0n, raft_term: 3n },
    kvs: [{ key: Buffer.from('key1'), create_revision: 2n, mod_revision: 2n, version: 1n, value: Buffer.alloc(0), lease: 0n }],
    more: false,
    count: 1n,
  };
  assert.equal(
    pbJson(pb.RangeResponse, r),
    '{"header":{"cluster_id":1,"member_id":2,"raft_term":3},"kvs":[{"key":"a2V5MQ==","create_revision":2,"mod_revision":2,"version":1}],"count":1}',
  );
});

test('table: centred upper-case headers, right-aligned cells', () => {
  const out = renderTable(['id', 'status', 'is_learner'], [['a2a592c86d0ee294', 'started', 'false']]);
  assert.equal(
    out,
    '+------------------+---------+------------+\n' +
      '|        ID        | STATUS  | IS LEARNER |\n' +
      '+------------------+---------+------------+\n' +
      '| a2a592c86d0ee294 | started |      false |\n' +
      '+------------------+---------+------------+\n',
  );
});

test('table: no rows prints the header between borders', () => {
  assert.equal(renderTable(['endpoint', 'id'], []), '+----------+----+\n| ENDPOINT | ID |\n+----------+----+\n+----------+----+\n');
});

test('table: cells wrap at 30 columns', () => {
  assert.deepEqual(wrapCell('memberID:13668033151171901709 alarm:NOSPACE '), { lines: ['memberID:13668033151171901709', 'alarm:NOSPACE '], width: 30 });
  const out = renderTable(['errors'], [['memberID:13668033151171901709 alarm:NOSPACE ']]);
  assert.equal(out.split('\n')[3], '|  memberID:13668033151171901709 |');
  assert.equal(out.split('\n')[4], '|                 alarm:NOSPACE  |');
  // A single word longer than 30 widens the column instead of breaking.
  const long = 'x'.repeat(35);
  assert.deepEqual(wrapCell(long), { lines: [long], width: 35 });
});

test('help columns align like Go text/tabwriter with tab padding', () => {
  assert.equal(
    tabwrite([
      ['      --consistency="l"', 'a'],
      ['      --print-value-only[=false]', 'b'],
      ['      --limit=0', 'c'],
    ]),
    '      --consistency="l"\t\t\ta\n      --print-value-only[=false]\tb\n      --limit=0\t\t\t\tc',
  );
});

test('an out-of-range varint is consumed whole, so the next field still decodes', () => {
  // enum sort_order = -1 (a 10-byte varint), then limit = 7.
  const req = Buffer.from([0x28, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x18, 0x07]);
  const m = decode(pb.RangeRequest, req);
  assert.equal(m.sort_order, -1);
  assert.equal(m.limit, 7n);
});

test("etcdctl-ts's own tables show a cell's control characters as \\xNN, never raw", () => {
  const shown = 'a\\x1b[2Jb\\x0ac\\x7f';
  assert.equal(drawTable('plain', ['NAME', 'SIZE'], [['a\x1b[2Jb\nc\x7f', '1']]), `${'NAME'.padEnd(shown.length + 3)}SIZE\n${shown}   1\n`);
});

test('fields a newer server adds are skipped whole: strings, numbers and empty messages after the known ones', () => {
  // etcd 3.6's StatusResponse: dbSizeInUse (9), then storageVersion (11), dbSizeQuota (12), downgradeInfo (13, empty).
  const raw = Buffer.from(
    '0a1a0894eef3af90a79a978d0110ae87d1d7c3bda18a9d01180120021206332e362e31361880a00120ae87d1d7c3bda18a9d01280430023804488080015a05332e362e306080808080086a00',
    'hex',
  );
  const s = decode(pb.StatusResponse, raw) as { version: string; dbSize: bigint; dbSizeInUse: bigint; raftIndex: bigint };
  assert.deepEqual([s.version, s.dbSize, s.dbSizeInUse, s.raftIndex], ['3.6.16', 20480n, 16384n, 4n]);
  // An unknown length-delimited field before a known one: the known one still reads.
  const before = Buffer.concat([Buffer.from('5a03616263', 'hex'), Buffer.from('1206332e362e3136', 'hex')]);
  assert.equal((decode(pb.StatusResponse, before) as { version: string }).version, '3.6.16');
});
