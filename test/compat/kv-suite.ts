// etcdctl-ts against the reference etcdctl: both run the same command line
// against twin servers (copies of one data dir, so the same IDs and
// revisions) and must print the same stdout bytes, Error lines and exit code.
// The suite runs twice: in plain text, and over TLS with client certificates.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { errorLines, etcdctl, ours, type RunOptions } from '../harness/cli.js';
import { cloneEtcd, freePort, startEtcd, type EtcdServer, type ServerTls } from '../harness/etcd.js';
import { makePki } from '../harness/pki.js';
import { EDGES_ONLY, onEdge } from '../harness/servers.js';

export function kvSuite(mode: 'plain' | 'tls'): void {
  // Over TLS the suite repeats the plain one through another transport.
  if (mode === 'tls' && !onEdge()) {
    describe('the kv suite over TLS', () => test(`(${EDGES_ONLY})`, { skip: EDGES_ONLY }, () => undefined));
    return;
  }
  let a: EtcdServer;
  let b: EtcdServer;
  let tls: ServerTls | undefined;

  // Connection flags for a server, with extra endpoints listed first.
  const conn = (s: EtcdServer, first: string[] = []): string[] => {
    if (!tls) return [`--endpoints=${[...first, s.endpoint].join(',')}`];
    return [
      `--endpoints=${[...first, s.endpoint].map((e) => `https://${e}`).join(',')}`,
      `--cacert=${tls.ca}`,
      `--cert=${tls.clientCert}`,
      `--key=${tls.clientKey}`,
    ];
  };
  // The same through ETCDCTL_* variables.
  const connEnv = (s: EtcdServer): Record<string, string> =>
    tls
      ? { ETCDCTL_ENDPOINTS: `https://${s.endpoint}`, ETCDCTL_CACERT: tls.ca, ETCDCTL_CERT: tls.clientCert!, ETCDCTL_KEY: tls.clientKey! }
      : { ETCDCTL_ENDPOINTS: s.endpoint };

  // etcdctl 3.4 names txn's oneof responses in Go style; 3.5+, and etcdctl-ts, use the proto names.
  const TXN_JSON_35 = (s: string) =>
    s
      .replace(/"ResponsePut":/g, '"response_put":')
      .replace(/"ResponseRange":/g, '"response_range":')
      .replace(/"ResponseDeleteRange":/g, '"response_delete_range":')
      .replace(/"ResponseTxn":/g, '"response_txn":');

  async function same(args: string[], o: RunOptions & { refStdout?: (s: string) => string } = {}) {
    const [ref, got] = await Promise.all([etcdctl([...conn(a), ...args], o), ours([...conn(b), ...args], o)]);
    const label = args.join(' ');
    const expected = ref.stdout.toString('latin1');
    assert.equal(got.stdout.toString('latin1'), o.refStdout ? o.refStdout(expected) : expected, `stdout of: ${label}`);
    assert.deepEqual(errorLines(got.stderr), errorLines(ref.stderr), `Error lines of: ${label}\nours: ${got.stderr}`);
    assert.equal(got.code, ref.code, `exit code of: ${label}\nours stderr: ${got.stderr}`);
    return got;
  }

  before(async () => {
    if (mode === 'tls') {
      const pki = makePki();
      tls = { cert: pki.serverCert, key: pki.serverKey, ca: pki.ca, clientCertAuth: true, clientCert: pki.clientCert, clientKey: pki.clientKey };
    }
    const seed = await startEtcd([], tls);
    const put = (k: string, v: string) => etcdctl([...conn(seed), 'put', '--', k, v]);
    await put('key1', 'val1'); // rev 2
    await put('key2', 'val2'); // rev 3
    await put('key3', 'val3'); // rev 4
    await put('key2', 'val2b'); // rev 5
    await put('zkey', 'zval'); // rev 6
    await put('q\tk', 'é\x01"x'); // rev 7
    await put('empty', ''); // rev 8
    await put('/registry/pods/default/a', 'pod-a'); // rev 9
    await put('/registry/pods/default/b', 'pod-b'); // rev 10
    await etcdctl([...conn(seed), 'put', 'bin'], { stdin: Buffer.from([0xff, 0x00, 0x0a, 0x41]) }); // rev 11
    await etcdctl([...conn(seed), 'compaction', '3']);
    await seed.stop();
    [a, b] = await Promise.all([cloneEtcd(seed), cloneEtcd(seed)]);
  });

  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  const FORMATS = ['simple', 'json', 'fields', 'protobuf'];

  describe('get', () => {
    const cases: string[][] = [
      ['get', 'key1'],
      ['get', 'nokey'],
      ['get', 'key', '--prefix'],
      ['get', 'key', '--prefix', '--keys-only'],
      ['get', 'key', '--prefix', '--print-value-only'],
      ['get', 'key', '--prefix', '--limit', '2'],
      ['get', 'key', '--prefix', '--limit=2'],
      ['get', 'key', '--prefix', '--sort-by=MODIFY', '--order=DESCEND'],
      ['get', 'key', '--prefix', '--order=descend', '--keys-only'],
      ['get', 'key', '--prefix', '--sort-by=version'],
      ['get', 'key', '--prefix', '--sort-by=create', '--order=ascend'],
      ['get', 'key', '--prefix', '--sort-by=value', '--order=DESCEND'],
      ['get', 'key', '--prefix', '--sort-by=key', '--order=ASCEND'],
      ['get', 'key2', '--rev=4'],
      ['get', 'key2', '--from-key'],
      ['get', '', '--prefix', '--keys-only'],
      ['get', '', '--from-key', '--keys-only'],
      ['get', 'key1', 'key3'],
      ['get', 'key1', 'key3', 'ignored'],
      ['get', 'q\tk'],
      ['get', 'empty'],
      ['get', 'bin'],
      ['get', '/registry/', '--prefix', '--keys-only'],
      ['get', 'key1', '--consistency=s'],
      ['get', 'key1', '--hex'],
      ['get', 'key', '--prefix', '--hex', '--print-value-only'],
      ['get', '--prefix', 'key', '--keys-only=true'],
      ['get', 'key1', '--prefix=false'],
      ['--hex', 'get', 'key1'],
      ['get', 'key1', '-w', 'json'],
      ['get', 'key1', '-wjson'],
      ['get', 'key1', '--write-out=fields'],
    ];
    for (const args of cases)
      test(args.join(' '), async () => {
        await same(args);
      });
    for (const format of FORMATS) {
      test(`formats: ${format}`, async () => {
        await same(['get', '', '--prefix', '-w', format]);
        await same(['get', 'nokey', '-w', format]);
        await same(['get', 'key', '--prefix', '--limit', '1', '-w', format]);
        await same(['get', 'key', '--prefix', '--keys-only', '-w', format]);
        await same(['get', 'q\tk', '--hex', '-w', format]);
      });
    }
    const bad: string[][] = [
      ['get'],
      ['get', 'a', '--prefix', '--from-key'],
      ['get', 'a', '--consistency=x'],
      ['get', 'a', 'b', '--prefix'],
      ['get', 'a', 'b', '--from-key'],
      ['get', 'a', '--order=up'],
      ['get', 'a', '--sort-by=bogus'],
      ['get', 'key2', '--rev=100'],
      ['get', 'key2', '--rev=2'],
      ['get', 'a', '-w', 'table'],
      ['get', 'a', '-w', 'yaml'],
      ['get', 'a', '--print-value-only', '-w', 'json'],
    ];
    for (const args of bad)
      test(`bad: ${args.join(' ')}`, async () => {
        await same(args);
      });
  });

  describe('put, del, txn, compaction (in lockstep on both twins)', () => {
    test('put', async () => {
      await same(['put', 'p1', 'v1']);
      await same(['put', 'p1', 'v2', '--prev-kv']);
      await same(['put', 'p1', 'v3', '--prev-kv', '-w', 'json']);
      await same(['put', 'p1', 'v4', '--prev-kv', '-w', 'fields']);
      await same(['put', 'p1', 'v5', '--prev-kv', '-w', 'protobuf']);
      await same(['put', 'p1', 'v6', '--prev-kv', '--hex']);
      await same(['put', 'p2'], { stdin: 'line1\nline2\n' });
      await same(['get', 'p2']);
      await same(['put', 'p3', '']);
      await same(['put', '--', 'p4', '-v']);
      await same(['get', 'p4']);
      await same(['put', 'p1', '--ignore-value']);
      await same(['put', 'p1', 'v7', '-w', 'json']);
      await same(['put', 'p1', 'x', '-w', 'table']);
      await same(['get', 'p1']);
    });
    test('put errors', async () => {
      await same(['put']);
      await same(['put', 'p9'], { stdin: '' });
      await same(['put', 'p9', 'v', '--ignore-value']);
      await same(['put', 'p9', 'v', '--lease=zz']);
      await same(['put', 'p9', 'v', '--lease=1234']);
      await same(['put', 'nokey', '--ignore-value']);
    });
    test("values too large for the server, and for the client: etcdctl's errors, and the limits named", async () => {
      const server = await same(['put', 'huge'], { stdin: 'x'.repeat(1600000) });
      assert.match(server.stderr, /^etcdctl-ts: the request is larger than the server accepts \(etcd --max-request-bytes, 1\.5 MiB unless set\)/);
      const client = await same(['put', 'huge'], { stdin: 'x'.repeat(2200000) });
      assert.match(client.stderr, /^etcdctl-ts: the request is larger than --max-request-bytes allows \(2 MiB unless set\)/);
      assert.match(
        errorLines(client.stderr)[0]!,
        /^Error: rpc error: code = ResourceExhausted desc = trying to send message larger than max \(\d+ vs\. 2097152\)$/,
      );
    });
    test('del', async () => {
      await same(['del', 'nokey']);
      await same(['del', 'p1']);
      await same(['del', 'p2', '--prev-kv']);
      await same(['put', 'd1', 'a']);
      await same(['put', 'd2', 'b']);
      await same(['put', 'd3', 'c']);
      await same(['put', 'd4', 'd']);
      await same(['del', 'd1', '--prev-kv', '--hex']);
      await same(['del', 'd2', 'd4', '--prev-kv', '-w', 'json']);
      await same(['del', 'd', '--prefix', '--prev-kv', '-w', 'fields']);
      await same(['put', 'd5', 'e']);
      await same(['del', 'd5', '-w', 'protobuf']);
      await same(['del', 'p3', '--from-key', '-w', 'json']);
      await same(['del']);
      await same(['del', 'a', 'b', 'c']);
      await same(['del', 'a', '--prefix', '--from-key']);
      await same(['del', 'a', 'b', '--prefix']);
    });
    const txnInputs: [string, string][] = [
      ['success', 'value("key1") = "val1"\n\nput tk1 v2 --prev-kv\nget key1\ndel key3 --prev-kv\n\nput tk1 failed\n\n'],
      ['failure', 'value("key1") = "nope"\n\nput tk1 ok\n\nput tk1 failed\n\n'],
      ['empty', '\n\n\n'],
      ['compares', 'mod("key1") > "0"\nver("key1") = "1"\ncreate("key1") != "0"\nval("zkey") < "zzz"\n\nget zkey\n\n\n'],
      ['backquotes', 'value(`zkey`) = `zval`\n\nget zkey --print-value-only\n\n\n'],
      ['crlf', 'value("zkey") = "zval"\r\n\r\nget zkey\r\n\r\n\r\n'],
      ['quoted op', 'value("zkey") = "zval"\n\nput "tk 2" "a\\x23b"\n\n\n'],
      ['prefix ops', 'value("zkey") = "zval"\n\nget /registry/ --prefix --keys-only\n\n\n'],
      ['eof', 'value("key1") = "val1"\n\nput tk1 v\n\nput tk1 failed\n'],
      ['no input', ''],
      ['malformed', 'value(tk1) = "v1"\n\n\n\n'],
      ['no paren', 'value = 1\n\n\n\n'],
      ['unknown target', 'foo("tk1") = "v1"\n\n\n\n'],
      ['bad int', 'mod("tk1") > "x"\n\n\n\n'],
      ['short op', 'value("zkey") = "zval"\n\nput\n\n\n'],
      ['bad op', 'value("zkey") = "zval"\n\nbad tk1\n\n\n'],
      ['bad op flag', 'value("zkey") = "zval"\n\nget tk1 --bogus\n\n\n'],
      ['op validation', 'value("zkey") = "zval"\n\nget a --prefix --from-key\n\n\n'],
      ['duplicate key', '\nput dup 1\ndel dup\n\n\n'],
      // etcdctl reads the value from stdin past its line buffer: nothing there.
      ['put without a value', '\nput tk9\n\n\n'],
    ];
    for (const [name, input] of txnInputs) {
      for (const format of FORMATS) {
        test(`txn ${name} -w ${format}`, async () => {
          await same(['txn', '-w', format], { stdin: input, refStdout: format === 'json' ? TXN_JSON_35 : undefined });
        });
      }
    }
    test('txn interactive and arguments', async () => {
      await same(['txn', '-i'], { stdin: 'value("zkey") = "zval"\n\nget zkey\n\n\n' });
      await same(['txn', 'extra'], { stdin: '\n\n\n' });
    });
    test('compaction', async () => {
      await same(['compaction']);
      await same(['compaction', 'abc']);
      await same(['compaction', '100000']);
      await same(['compaction', '2']);
      await same(['compaction', '5', '--physical']);
      await same(['compact', '6', '-w', 'json']);
      await same(['get', 'key2', '--rev=4']);
    });
  });

  describe('process level', () => {
    test('version', async () => {
      await same(['version']);
      await same(['ver']);
    });
    test('unknown command and flags', async () => {
      const usageErrors = [
        ['bogus'],
        ['e', 'st'],
        ['get', 'a', '--bogus'],
        ['get', 'a', '-x'],
        ['put', 'a', '--lease'],
        ['put', 'p9', 'v', '-5'],
        ['get', 'a', '--limit', 'x'],
        ['get', 'a', '--prefix=maybe'],
        ['get', 'a', '--dial-timeout', 'abc'],
        ['get', 'a', '-w'],
      ];
      for (const args of usageErrors) {
        const [ref, got] = await Promise.all([etcdctl(args), ours(args)]);
        assert.equal(got.code, ref.code, args.join(' '));
        // etcdctl 3.4 prints the Error line twice; 3.6 and etcdctl-ts once.
        assert.deepEqual(errorLines(got.stderr), [errorLines(ref.stderr)[0]], `${args.join(' ')}: ${got.stderr}`);
      }
    });
    test('--dial-timeout of 0 or less is no bound; --command-timeout of 0 or less leaves no time, and says so', async () => {
      await same(['--dial-timeout=0', 'get', 'key1']);
      await same(['--dial-timeout=-1s', 'get', 'key1']);
      for (const t of ['0', '-1s']) {
        const got = await same([`--command-timeout=${t}`, 'get', 'key1']);
        assert.equal(got.code, 1);
        assert.equal(
          got.stderr,
          'etcdctl-ts: the request was given no time: --command-timeout must be longer than 0s (the default is 5s)\nError: context deadline exceeded\n',
        );
      }
    });
    test("no endpoints at all: etcdctl's error and exit code 2 wherever etcdctl makes a client", async () => {
      const cases = [
        ['get', 'a'],
        ['put', 'a', 'b'],
        ['member', 'list'],
        ['endpoint', 'status'],
        ['endpoint', 'hashkv'],
        ['endpoint', 'health'],
        ['defrag'],
        ['move-leader', '1'],
        ['watch', 'a'],
        ['lock', 'l'],
        ['check', 'perf'],
      ];
      for (const args of cases) {
        const full = ['--endpoints=', ...args];
        const [ref, got] = await Promise.all([etcdctl(full), ours(full)]);
        const label = args.join(' ');
        assert.equal(got.stdout.toString(), ref.stdout.toString(), label);
        assert.deepEqual(errorLines(got.stderr), errorLines(ref.stderr), `${label}: ${got.stderr}`);
        assert.equal(got.code, ref.code, label);
      }
      // etcdctl says "not multiple []" here; the exit code is the same.
      const file = join(tmpdir(), `etcdctl-ts-never-${process.pid}.db`);
      const save = await ours(['--endpoints=', 'snapshot', 'save', file]);
      assert.deepEqual([save.code, save.stderr], [5, 'Error: etcdclient: no available endpoints\n']);
      assert.ok(!existsSync(file) && !existsSync(`${file}.part`));
    });
    test('command name prefixes', async () => {
      await same(['g', 'key1']);
      await same(['compact', '1']);
    });
    test('ETCDCTL_* environment', async () => {
      const env = { ETCDCTL_WRITE_OUT: 'json', ETCDCTL_HEX: 'true' };
      await same(['get', 'key1'], { env });
      const [ref, got] = await Promise.all([etcdctl(['get', 'key1'], { env: connEnv(a) }), ours(['get', 'key1'], { env: connEnv(b) })]);
      assert.equal(got.stdout.toString(), ref.stdout.toString());
      assert.equal(got.code, 0);
    });
    test('a flag and its variable together: the flag wins, with one warning', async () => {
      const got = await ours([...conn(b), 'get', 'key1'], { env: { ETCDCTL_ENDPOINTS: '127.0.0.1:1' } });
      assert.equal(got.stdout.toString(), 'key1\nval1\n');
      assert.equal(got.code, 0);
      assert.match(got.stderr, /^Warning: environment variable ETCDCTL_ENDPOINTS is ignored: --endpoints was given on the command line\n$/);
    });
    test('unrecognized ETCDCTL_* variables, and set but empty ones, are warned about as etcdctl does', async () => {
      const env = { ETCDCTL_PREFIX: 'true', ETCDCTL_USER: '', ETCDCTL_HEX: '' };
      const [ref, got] = await Promise.all([etcdctl([...conn(a), 'get', 'key1'], { env }), ours([...conn(b), 'get', 'key1'], { env })]);
      assert.equal(got.stdout.toString(), 'key1\nval1\n');
      const warnings = (s: string) =>
        s
          .split('\n')
          .filter((l) => l.includes('pkg/flags'))
          .map((l) => l.replace(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} /, ''))
          .sort();
      assert.deepEqual(warnings(got.stderr), warnings(ref.stderr));
      assert.deepEqual(warnings(got.stderr), [
        'W | pkg/flags: unrecognized environment variable ETCDCTL_HEX=',
        'W | pkg/flags: unrecognized environment variable ETCDCTL_PREFIX=true',
        'W | pkg/flags: unrecognized environment variable ETCDCTL_USER=',
      ]);
    });
    test('ETCDCTL_API', async () => {
      const ok = await ours([...conn(b), 'get', 'key1'], { env: { ETCDCTL_API: '3' } });
      assert.equal(ok.code, 0);
      const bad = await ours(['version'], { env: { ETCDCTL_API: '4' } });
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /^Error: unsupported API version "4"/);
      assert.equal(bad.stdout.length, 0);
    });
    test('unreachable endpoint', async () => {
      const port = await freePort();
      const args = [`--endpoints=127.0.0.1:${port}`, '--command-timeout=1s', 'get', 'a'];
      const [ref, got] = await Promise.all([etcdctl(args), ours(args)]);
      assert.deepEqual(errorLines(got.stderr), errorLines(ref.stderr));
      assert.deepEqual(errorLines(got.stderr), ['Error: context deadline exceeded']);
      assert.equal(got.code, ref.code);
    });
    test('failover to a live endpoint', async () => {
      const port = await freePort();
      const got = await ours([...conn(b, [`127.0.0.1:${port}`]), 'get', 'key1']);
      assert.equal(got.stdout.toString(), 'key1\nval1\n');
    });
    test('help', async () => {
      const got = await ours(['get', '--help']);
      assert.equal(got.code, 0);
      assert.match(
        got.stdout.toString(),
        /^NAME:\n\tget - Gets the key or a range of keys\n\nUSAGE:\n\tetcdctl get \[options\] <key> \[range_end\] \[flags\]\n/,
      );
      assert.match(got.stdout.toString(), /\n {6}--prefix\[=false\]\t+Get keys with matching prefix\n/);
    });
  });
}
