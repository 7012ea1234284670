// Authentication against a real etcd with auth enabled: root and a user
// whose role covers /alice/ only. Tokens expire after a second.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { errorLines, etcdctl, OURS, ours } from '../harness/cli.js';
import { onTerminal } from '../harness/tty.js';
import { startEtcd, type EtcdServer } from '../harness/etcd.js';
import { makePki } from '../harness/pki.js';
import { server } from '../harness/servers.js';

let srv: EtcdServer;
const ep = () => `--endpoints=${srv.endpoint}`;
const ROOT = '--user=root:rootpw';

before(async () => {
  srv = await startEtcd(['--auth-token-ttl=1']);
  const setup = [
    ['user', 'add', 'root', '--new-user-password=rootpw'],
    ['role', 'add', 'alice-role'],
    ['role', 'grant-permission', 'alice-role', '--prefix=true', 'readwrite', '/alice/'],
    ['user', 'add', 'alice', '--new-user-password=alicepw'],
    ['user', 'grant-role', 'alice', 'alice-role'],
    ['put', '/alice/a', '1'],
    ['put', '/other', 'x'],
  ];
  for (const args of setup) {
    const r = await etcdctl([ep(), ...args]);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  }
  // A name with a colon can only be used with --password.
  const res = await fetch(`http://${srv.endpoint}/v3/auth/user/add`, { method: 'POST', body: JSON.stringify({ name: 'a:b', password: 'colonpw' }) });
  assert.equal(res.status, 200);
  for (const args of [
    ['user', 'grant-role', 'a:b', 'alice-role'],
    ['auth', 'enable'],
  ]) {
    const r = await etcdctl([ep(), ...args]);
    assert.equal(r.code, 0, r.stderr);
  }
});

after(async () => {
  await srv?.stop();
});

async function same(args: string[], stdin?: string) {
  const full = [ep(), ...args];
  const [ref, got] = await Promise.all([etcdctl(full, { stdin }), ours(full, { stdin })]);
  assert.equal(got.stdout.toString('latin1'), ref.stdout.toString('latin1'), `stdout of ${args.join(' ')}`);
  assert.deepEqual(errorLines(got.stderr), errorLines(ref.stderr), `Error lines of ${args.join(' ')}: ${got.stderr}`);
  assert.equal(got.code, ref.code, `exit code of ${args.join(' ')}`);
  return got;
}

describe('users and permissions, as etcdctl', () => {
  test('the restricted user reads its prefix', async () => {
    const got = await same(['--user=alice:alicepw', 'get', '/alice/', '--prefix']);
    assert.equal(got.stdout.toString(), '/alice/a\n1\n');
  });
  test('and is refused elsewhere', async () => {
    for (const args of [
      ['get', '/other'],
      ['put', '/other', 'y'],
      ['del', '/other'],
    ]) {
      const got = await same(['--user=alice:alicepw', ...args]);
      assert.deepEqual(errorLines(got.stderr), ['Error: etcdserver: permission denied']);
      assert.equal(got.code, 1);
      assert.equal(
        got.stderr,
        'etcdctl-ts: user "alice" has no role that allows this: `user get alice --detail` (as root) lists what its roles grant\nError: etcdserver: permission denied\n',
      );
    }
  });
  test('a wrong password or an unknown user exits 2', async () => {
    for (const user of ['--user=alice:wrong', '--user=nobody:x']) {
      const got = await same([user, 'get', '/alice/a']);
      assert.deepEqual(errorLines(got.stderr), ['Error: etcdserver: authentication failed, invalid user ID or password']);
      assert.equal(got.code, 2);
      const [name, password] = user.slice('--user='.length).split(':') as [string, string];
      assert.match(
        got.stderr,
        new RegExp(`^etcdctl-ts: the name "${name}" and that password do not match a user of this cluster: check --user \\(name:password\\) or --password\n`),
      );
      if (password.length > 1) assert.ok(!got.stderr.includes(password), got.stderr);
    }
  });
  test('no user, an empty name or an empty password sends no credentials', async () => {
    for (const args of [
      ['get', '/alice/a'],
      ['--user=:alicepw', 'get', '/alice/a'],
      ['--user=alice:', 'get', '/alice/a'],
    ]) {
      const got = await same(args);
      assert.deepEqual(errorLines(got.stderr), ['Error: etcdserver: user name is empty'], args.join(' '));
      // A name given with an empty password is named; the flag it has is never suggested.
      if (args[0] === '--user=alice:')
        assert.match(
          got.stderr,
          /^etcdctl-ts: authentication is enabled on this cluster, and --user "alice" came with an empty password \(none given, typed or on standard input\), so no login was made: /,
        );
      else assert.match(got.stderr, /^etcdctl-ts: authentication is enabled on this cluster: pass --user <name>\[:<password>\] \(or set ETCDCTL_USER\)\n/);
    }
    // The prompt finds standard input at its end.
    const eof = await ours([ep(), '--user=alice', 'get', '/alice/a'], { stdin: '' });
    assert.deepEqual(errorLines(eof.stderr), ['Error: etcdserver: user name is empty']);
    assert.match(eof.stderr, /--user "alice" came with an empty password/);
    assert.doesNotMatch(eof.stderr, /pass --user/);
  });
  test('--password makes --user the whole name, colons included', async () => {
    await same(['--user=alice', '--password=alicepw', 'get', '/alice/a']);
    const got = await same(['--user=a:b', '--password=colonpw', 'get', '/alice/a']);
    assert.equal(got.stdout.toString(), '/alice/a\n1\n');
  });
  test('ETCDCTL_USER and ETCDCTL_PASSWORD', async () => {
    const got = await ours([ep(), 'get', '/alice/a'], { env: { ETCDCTL_USER: 'alice', ETCDCTL_PASSWORD: 'alicepw' } });
    assert.equal(got.stdout.toString(), '/alice/a\n1\n');
  });
  test('without a terminal the password is read from stdin', async () => {
    const got = await ours([ep(), '--user=alice', 'get', '/alice/a'], { stdin: 'alicepw\n' });
    assert.equal(got.stdout.toString(), 'Password: \n/alice/a\n1\n');
  });
});

describe('--cluster with authentication (MemberList needs a user on 3.5.28+, 3.6.9+ and 3.7)', () => {
  test('endpoint status, health and hashkv --cluster, defrag --cluster [--safe], move-leader and member completion log in with --user', async () => {
    const url = `http://${srv.endpoint}`;
    const status = await ours([ep(), ROOT, 'endpoint', 'status', '--cluster']);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout.toString(), new RegExp(`^${url}, [0-9a-f]+, ${server().version.replace(/[.]/g, '\\.')}, `));
    const health = await ours([ep(), ROOT, 'endpoint', 'health', '--cluster']);
    assert.equal(health.code, 0, health.stderr);
    assert.match(health.stdout.toString(), new RegExp(`^${url} is healthy: successfully committed proposal: took = `));
    const hashkv = await ours([ep(), ROOT, 'endpoint', 'hashkv', '--cluster']);
    assert.equal(hashkv.code, 0, hashkv.stderr);
    assert.match(hashkv.stdout.toString(), new RegExp(`^${url}, \\d+\\n$`));
    const defrag = await ours([ep(), ROOT, 'defrag', '--cluster']);
    assert.equal(defrag.stdout.toString(), `Finished defragmenting etcd member[${url}]\n`, defrag.stderr);
    const safe = await ours([ep(), ROOT, 'defrag', '--cluster', '--safe']);
    assert.equal(safe.code, 0, safe.stderr);
    // The password is asked once and serves discovery and every member.
    const prompted = await ours([ep(), '--user=root', 'endpoint', 'status', '--cluster'], { stdin: 'rootpw\n' });
    assert.equal(prompted.code, 0, prompted.stderr);
    assert.equal(prompted.stdout.toString().split('Password: ').length, 2);
    const id = /^\S+, ([0-9a-f]+), /.exec(status.stdout.toString())![1]!;
    const completed = await ours(['__complete', ep(), ROOT, 'member', 'remove', '']);
    assert.equal(completed.stdout.toString().split('\n')[0], id, completed.stderr);
    // move-leader asks every endpoint for its status first (the one member leads already).
    const moved = await ours([ep(), ROOT, 'move-leader', id]);
    assert.deepEqual([moved.code, moved.stdout.toString()], [0, `Leadership transferred from ${id} to ${id}\n`], moved.stderr);
  });

  test('with a client certificate whose CN is the user (no --user): the same commands', async () => {
    const pki = makePki();
    const tls = { cert: pki.serverCert, key: pki.serverKey, ca: pki.ca, clientCertAuth: true, clientCert: pki.clientCert, clientKey: pki.clientKey };
    const cn = await startEtcd([], tls);
    try {
      const at = [`--endpoints=https://${cn.endpoint}`, `--cacert=${pki.ca}`, `--cert=${pki.clientCert}`, `--key=${pki.clientKey}`];
      // The certificate's CN is "root".
      for (const args of [
        ['user', 'add', 'root', '--new-user-password=rootpw'],
        ['auth', 'enable'],
      ]) {
        const r = await etcdctl([...at, ...args]);
        assert.equal(r.code, 0, r.stderr);
      }
      const status = await ours([...at, 'endpoint', 'status', '--cluster']);
      assert.equal(status.code, 0, status.stderr);
      assert.match(status.stdout.toString(), new RegExp(`^https://${cn.endpoint}, [0-9a-f]+, `));
      const safe = await ours([...at, 'defrag', '--cluster', '--safe']);
      assert.equal(safe.code, 0, safe.stderr);
      for (const args of [
        ['endpoint', 'health', '--cluster'],
        ['endpoint', 'hashkv', '--cluster'],
        ['defrag', '--cluster'],
      ]) {
        const r = await ours([...at, ...args]);
        assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stdout.toString(), new RegExp(`https://${cn.endpoint}`), args.join(' '));
      }
      const id = /^\S+, ([0-9a-f]+), /.exec(status.stdout.toString())![1]!;
      const completed = await ours(['__complete', ...at, 'member', 'remove', '']);
      assert.equal(completed.stdout.toString().split('\n')[0], id, completed.stderr);
      const moved = await ours([...at, 'move-leader', id]);
      assert.deepEqual([moved.code, moved.stdout.toString()], [0, `Leadership transferred from ${id} to ${id}\n`], moved.stderr);
    } finally {
      await cn.stop();
    }
  });
});

describe('secrets stay secret', () => {
  test('--debug and errors never show a password', async () => {
    const runs = await Promise.all([
      ours([ep(), '--debug', '--user=alice:alicepw', 'get', '/other']),
      ours([ep(), '--debug', '--user=alice', '--password=alicepw', 'get', '/alice/a']),
      ours([ep(), '--debug', 'get', '/alice/a'], { env: { ETCDCTL_USER: 'alice:alicepw' } }),
      ours([ep(), '--debug', '--user=alice:alicepw-wrong', 'get', '/alice/a']),
    ]);
    for (const r of runs) {
      assert.match(r.stderr, /ETCDCTL_USER=alice/);
      assert.doesNotMatch(r.stderr + r.stdout.toString(), /alicepw/);
    }
  });
  test('a name:password given with --password, and misspelled variables, never show the password', async () => {
    const colon = await ours([ep(), '--user=alice:S3cretPW', '--password=S3cretPW', 'get', '/alice/a']);
    assert.notEqual(colon.code, 0);
    assert.match(colon.stderr, /^etcdctl-ts: the name given with --user \("alice:…" \(what follows the colon is not shown\)/m);
    const typo = await ours([ep(), '--user=alice:alicepw', 'get', '/alice/a'], {
      env: { ETCDCTL_PASSWROD: 'S3cretPW', ETCDCTL_USR: 'bob:S3cretPW', ETCDCTL_PREFIXX: 'shown' },
    });
    assert.equal(typo.code, 0, typo.stderr);
    assert.match(typo.stderr, /unrecognized environment variable ETCDCTL_PASSWROD=<redacted>$/m);
    assert.match(typo.stderr, /unrecognized environment variable ETCDCTL_USR=<redacted>$/m);
    // Names that hold no secret keep etcdctl's echo of the value.
    assert.match(typo.stderr, /unrecognized environment variable ETCDCTL_PREFIXX=shown$/m);
    for (const r of [colon, typo]) assert.doesNotMatch(r.stderr + r.stdout.toString(), /S3cretPW/);
  });
  test('the prompt on a terminal does not echo the password', async () => {
    // `script` gives the CLI a pseudo-terminal; the password is typed only
    // once the prompt is shown, so any echo would appear after it.
    const { code, out } = await onTerminal([process.execPath, OURS, ep(), '--user=alice', 'get', '/alice/a'], {
      prompts: [{ at: /Password: /, answer: 'alicepw' }],
    });
    assert.equal(code, 0, out);
    const afterPrompt = out.slice(out.indexOf('Password: '));
    assert.doesNotMatch(afterPrompt, /alicepw/);
    assert.match(afterPrompt, /\/alice\/a\r\n1\r\n/);
  });
});

// Rejects with what a long-running child printed once it ends, so that a
// test waiting for its output fails instead of waiting forever.
function ended(child: ChildProcess, what: string, said: () => string): Promise<never> {
  const p = new Promise<never>((_, reject) => child.once('close', (code) => reject(new Error(`${what} ended (${code}): ${said()}`))));
  p.catch(() => undefined);
  return p;
}

describe('token expiry', () => {
  test('a watch outlives several token expiries and a server restart', async () => {
    const child = spawn(process.execPath, [OURS, ep(), '--user=alice:alicepw', 'watch', '/alice/', '--prefix'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const waiters: { text: string; resolve: () => void }[] = [];
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      for (const w of waiters.splice(0)) {
        if (out.includes(w.text)) w.resolve();
        else waiters.push(w);
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const closed = ended(child, 'watch', () => err + out);
    const seen = (text: string) => Promise.race([new Promise<void>((resolve) => (out.includes(text) ? resolve() : waiters.push({ text, resolve }))), closed]);
    try {
      // The watch is established once an event put after start arrives.
      for (let i = 0; !out.includes('PUT'); i++) {
        await etcdctl([ep(), ROOT, 'put', '/alice/w', `warmup${i}`]);
        await Promise.race([seen('PUT'), new Promise((r) => setTimeout(r, 200))]);
      }
      // The server drops a token idle for its TTL (1 s): let alice's
      // expire between events, which must still arrive.
      for (const v of ['one', 'two', 'three']) {
        await new Promise((r) => setTimeout(r, 1200));
        await etcdctl([ep(), ROOT, 'put', '/alice/x', v]);
        await seen(`/alice/x\n${v}\n`);
      }
      // A restart drops every token: the watch must reconnect and log in again.
      await srv.restart();
      await etcdctl([ep(), ROOT, 'put', '/alice/x', 'after-restart']);
      await seen('/alice/x\nafter-restart\n');
      assert.equal(child.exitCode, null, err);
    } finally {
      child.kill('SIGINT');
    }
  });

  test('lease keep-alive outlives token expiry and a server restart', async () => {
    const g = await ours([ep(), '--user=alice:alicepw', 'lease', 'grant', '6']);
    assert.equal(g.code, 0, g.stderr);
    const id = /lease ([0-9a-f]{16}) granted/.exec(g.stdout.toString())![1]!;
    const child = spawn(process.execPath, [OURS, ep(), '--user=alice:alicepw', 'lease', 'keep-alive', id], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const renewals = () => out.split('\n').filter((l) => l === `lease ${id} keepalived with TTL(6)`).length;
    const waiters: { n: number; resolve: () => void }[] = [];
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      for (const w of waiters.splice(0)) (renewals() >= w.n ? w.resolve : () => waiters.push(w))();
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const closed = ended(child, 'keep-alive', () => err + out);
    const renewed = (n: number) => Promise.race([new Promise<void>((resolve) => (renewals() >= n ? resolve() : waiters.push({ n, resolve }))), closed]);
    try {
      // Renewals every 2 s: the 1 s token lapses between them.
      await renewed(3);
      // A restart drops every token; the next renewal needs a new login.
      await srv.restart();
      const before = renewals();
      await renewed(before + 2);
      assert.equal(child.exitCode, null, err);
      assert.match((await etcdctl([ep(), ROOT, 'lease', 'timetolive', id])).stdout.toString(), /granted with TTL\(6s\)/);
    } finally {
      child.kill('SIGINT');
    }
  });
});
