// TLS against real servers: client certificates, every TLS flag form, and
// the explanation printed before etcdctl's Error line for each mistake.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import * as net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { errorLines, etcdctl, ours } from '../harness/cli.js';
import { startDns } from '../harness/dns.js';
import { startEtcd, tempDir, type EtcdServer } from '../harness/etcd.js';
import { makePki, type Pki } from '../harness/pki.js';

let pki: Pki;
let srv: EtcdServer; // TLS, client certificates required
let plain: EtcdServer;
let silent: net.Server;
let silentPort: number;

const https = () => `https://127.0.0.1:${srv.clientPort}`;
const good = () => [`--cacert=${pki.ca}`, `--cert=${pki.clientCert}`, `--key=${pki.clientKey}`];

before(async () => {
  pki = makePki();
  [srv, plain] = await Promise.all([
    startEtcd([], { cert: pki.serverCert, key: pki.serverKey, ca: pki.ca, clientCertAuth: true, clientCert: pki.clientCert, clientKey: pki.clientKey }),
    startEtcd(),
  ]);
  silent = net.createServer(() => undefined).listen(0, '127.0.0.1');
  await new Promise((r) => silent.once('listening', r));
  silentPort = (silent.address() as net.AddressInfo).port;
  for (const [k, v] of [
    ['/a', '1'],
    ['/b/c', '2'],
    ['/registry/pods/x', 'y'],
    ['other', 'z'],
  ]) {
    const r = await etcdctl([`--endpoints=${https()}`, ...good(), 'put', k!, v!]);
    assert.equal(r.code, 0, r.stderr);
  }
});

after(async () => {
  silent?.close();
  await Promise.all([srv?.stop(), plain?.stop()]);
});

async function sameOutput(args: string[], env?: Record<string, string>) {
  const [ref, got] = await Promise.all([etcdctl(args, { env }), ours(args, { env })]);
  assert.equal(ref.code, 0, `etcdctl failed: ${ref.stderr}`);
  assert.equal(got.stdout.toString('latin1'), ref.stdout.toString('latin1'), args.join(' '));
  assert.equal(got.code, 0, got.stderr);
  assert.equal(got.stdout.length > 0, true);
}

describe('client certificates', () => {
  test('get / --prefix --keys-only over https prints what etcdctl prints', async () => {
    await sameOutput([`--endpoints=${https()}`, ...good(), 'get', '/', '--prefix', '--keys-only']);
    await sameOutput([`--endpoints=${https()}`, ...good(), '-w', 'json', 'get', '/', '--prefix']);
  });
  test('a bare host:port uses TLS when TLS files are given', async () => {
    await sameOutput([`--endpoints=127.0.0.1:${srv.clientPort}`, ...good(), 'get', '/a']);
  });
  test('ETCDCTL_CACERT, ETCDCTL_CERT and ETCDCTL_KEY', async () => {
    await sameOutput(['get', '/', '--prefix'], {
      ETCDCTL_ENDPOINTS: https(),
      ETCDCTL_CACERT: pki.ca,
      ETCDCTL_CERT: pki.clientCert,
      ETCDCTL_KEY: pki.clientKey,
    });
  });
  test('--insecure-transport=false with --insecure-skip-tls-verify and no CA', async () => {
    await sameOutput([
      `--endpoints=127.0.0.1:${srv.clientPort}`,
      '--insecure-transport=false',
      '--insecure-skip-tls-verify',
      `--cert=${pki.clientCert}`,
      `--key=${pki.clientKey}`,
      'get',
      '/a',
    ]);
  });
  test('--insecure-skip-tls-verify accepts a certificate for another name', async () => {
    await sameOutput([
      `--endpoints=https://localhost:${srv.clientPort}`,
      '--insecure-skip-tls-verify',
      `--cert=${pki.clientCert}`,
      `--key=${pki.clientKey}`,
      'get',
      '/a',
    ]);
  });
  test("a certificate without its key, and a key that is not its certificate's: etcdctl's error, and the files named", async () => {
    const half = [`--endpoints=${https()}`, `--cacert=${pki.ca}`, `--cert=${pki.clientCert}`, 'get', 'a'];
    const wrong = [`--endpoints=${https()}`, `--cacert=${pki.ca}`, `--cert=${pki.clientCert}`, `--key=${pki.strangerKey}`, 'get', 'a'];
    for (const args of [half, wrong]) {
      const [ref, got] = await Promise.all([etcdctl(args), ours(args)]);
      assert.deepEqual(errorLines(got.stderr), errorLines(ref.stderr));
      assert.equal(got.code, ref.code);
      assert.equal(got.code, 128);
    }
    const got = await ours(wrong);
    assert.match(
      got.stderr,
      new RegExp(
        `^etcdctl-ts: --key ${pki.strangerKey.replace(/[.]/g, '\\.')} is not the key of the certificate in --cert ${pki.clientCert.replace(/[.]/g, '\\.')} \\(.+\\): give the key that was made with it$`,
        'm',
      ),
    );
  });
  test('TLS files that are devices or FIFOs are refused, never read for ever', async () => {
    const fifo = join(tempDir(), 'ca.fifo');
    execFileSync('mkfifo', [fifo]);
    for (const [path, kind] of [
      ['/dev/zero', 'a character device'],
      [fifo, 'a FIFO'],
    ] as const) {
      const got = await ours([`--endpoints=${https()}`, `--cacert=${path}`, 'get', 'a'], { timeoutMs: 10000 });
      assert.deepEqual([got.code, errorLines(got.stderr)], [128, [`Error: ${path} is ${kind}, not a file`]]);
    }
  });
  test('empty and missing TLS files are refused as etcdctl refuses them', async () => {
    for (const args of [
      ['--cert=', 'get', 'a'],
      ['--cacert=', 'get', 'a'],
      ['--key=', 'get', 'a'],
      ['--cacert=/nonexistent/ca.crt', 'get', 'a'],
    ]) {
      const full = [`--endpoints=${https()}`, ...args];
      const [ref, got] = await Promise.all([etcdctl(full), ours(full)]);
      assert.deepEqual(errorLines(got.stderr), errorLines(ref.stderr), args.join(' '));
      assert.equal(got.code, ref.code);
      assert.equal(got.code, 128);
    }
  });
});

// Each mistake: etcdctl's Error line and exit code, and just before it one
// line saying what went wrong.
describe('errors that name the cause', () => {
  const cases: { name: string; args: () => string[]; hint: RegExp }[] = [
    { name: 'connection refused', args: () => ['--endpoints=127.0.0.1:1'], hint: /nothing is listening at 127\.0\.0\.1:1 \(connection refused\)/ },
    {
      name: 'a TLS server reached without TLS',
      args: () => [`--endpoints=http://127.0.0.1:${srv.clientPort}`],
      hint: /expects TLS, but etcdctl-ts connected in plain text: use https:\/\//,
    },
    {
      name: 'a plain server reached with TLS',
      args: () => [`--endpoints=https://127.0.0.1:${plain.clientPort}`, `--cacert=${pki.ca}`],
      hint: /does not speak TLS, but etcdctl-ts used TLS: use http:\/\//,
    },
    {
      name: 'an unknown certificate authority',
      args: () => [`--endpoints=${https()}`, `--cert=${pki.clientCert}`, `--key=${pki.clientKey}`],
      hint: /signed by an authority etcdctl-ts does not trust .*pass the CA that signed it with --cacert/,
    },
    {
      name: 'a missing client certificate',
      args: () => [`--endpoints=${https()}`, `--cacert=${pki.ca}`],
      hint: /requires a client certificate: pass --cert and --key/,
    },
    {
      name: 'a client certificate the server rejects',
      args: () => [`--endpoints=${https()}`, `--cacert=${pki.ca}`, `--cert=${pki.strangerCert}`, `--key=${pki.strangerKey}`],
      hint: /rejected the client certificate .*--trusted-ca-file/,
    },
    {
      name: 'a certificate without the host name',
      args: () => [`--endpoints=https://localhost:${srv.clientPort}`, ...good()],
      hint: /is not valid for "localhost"; it names .*IP Address:127\.0\.0\.1/,
    },
    {
      name: 'the peer port instead of the client port',
      args: () => [`--endpoints=127.0.0.1:${srv.peerPort}`, ...good()],
      hint: /is the peer port of member .*--endpoints=https:\/\/127\.0\.0\.1:\d+/,
    },
    { name: 'a name that does not resolve', args: () => ['--endpoints=etcd.invalid:2379'], hint: /the host name "etcd\.invalid" does not resolve/ },
    { name: 'endpoints that are not addresses', args: () => ['--endpoints=,'], hint: /^etcdctl-ts: "" is not an endpoint address: write host:port/ },
    {
      name: 'a scheme etcd does not speak',
      args: () => ['--endpoints=ftp://127.0.0.1:1'],
      hint: /^etcdctl-ts: "ftp:\/\/127\.0\.0\.1:1" has the scheme "ftp", which etcd does not speak: write host:port/,
    },
    {
      name: 'a server that never answers',
      args: () => [`--endpoints=127.0.0.1:${silentPort}`, '--dial-timeout=500ms'],
      hint: /accepted the connection but sent nothing back/,
    },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const args = [...c.args(), '--command-timeout=1s', 'get', '/a'];
      const [ref, got] = await Promise.all([etcdctl(args), ours(args)]);
      assert.deepEqual(errorLines(got.stderr), errorLines(ref.stderr), got.stderr);
      assert.deepEqual(errorLines(got.stderr), ['Error: context deadline exceeded']);
      assert.equal(got.code, ref.code);
      const lines = got.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 2, got.stderr);
      assert.match(lines[0]!, /^etcdctl-ts: /);
      assert.match(lines[0]!, c.hint);
      assert.equal(got.stdout.length, 0);
    });
  }
  test('--debug adds the transport detail', async () => {
    const got = await ours(['--endpoints=127.0.0.1:1', '--command-timeout=1s', '--debug', 'get', 'a']);
    assert.match(got.stderr, /^debug: rpc error: code = DeadlineExceeded desc = context deadline exceeded$/m);
    assert.match(got.stderr, /^debug: 127\.0\.0\.1:1: ECONNREFUSED: connect ECONNREFUSED 127\.0\.0\.1:1$/m);
    assert.match(got.stderr, /^etcdctl-ts: nothing is listening/m);
  });
});

describe('DNS SRV discovery', () => {
  test('--discovery-srv finds the https endpoints and checks certificates against the domain', async () => {
    const dns = await startDns([
      { name: '_etcd-client-ssl._tcp.etcd.test', target: 'localhost', port: srv.clientPort },
      { name: '_etcd-client-ssl._tcp.wrong.test', target: 'localhost', port: srv.clientPort },
    ]);
    try {
      const env = { ETCDCTL_TS_DNS_SERVER: dns.address };
      // The SRV target is localhost, which the certificate does not name;
      // the domain etcd.test, which it does, is the name checked.
      const found = await ours(['--discovery-srv=etcd.test', ...good(), 'get', '/a'], { env });
      assert.equal(found.stdout.toString(), '/a\n1\n', found.stderr);
      assert.equal(found.stderr, '');
      // Per-endpoint commands use the endpoints found, not the default 127.0.0.1:2379.
      const status = await ours(['--discovery-srv=etcd.test', ...good(), 'endpoint', 'status'], { env });
      assert.match(status.stdout.toString(), new RegExp(`^(https://)?localhost:${srv.clientPort}, [0-9a-f]+, 3\\.\\d+\\.\\d+, `), status.stderr);
      assert.equal(status.code, 0);
      const wrong = await ours(['--discovery-srv=wrong.test', ...good(), '--command-timeout=1s', 'get', '/a'], { env });
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, /^etcdctl-ts: the server certificate of localhost:\d+ is not valid for "wrong\.test"/m);
      const none = await ours(['--discovery-srv=none.test', ...good(), 'get', '/a'], { env });
      assert.equal(none.code, 1);
      assert.match(none.stderr, /^Error: lookup _etcd-client._tcp.none.test: no SRV records found$/m);
    } finally {
      dns.close();
    }
  });
});
