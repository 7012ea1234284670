// --auth-jwt-token (etcdctl 3.7) against a server that signs and checks
// JWT tokens with a key pair the test makes: a token minted by the test,
// as an outside issuer would, is sent with no login; bad tokens are
// refused with the server's words and never shown. etcdctl 3.7 is the
// reference for the flag, on every server version.
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { errorLines, etcdctl, exec, ours, type RunOptions } from '../harness/cli.js';
import { startEtcd, tempDir, type EtcdServer } from '../harness/etcd.js';
import { SERVERS } from '../harness/servers.js';

let srv: EtcdServer;
const ep = () => `--endpoints=${srv.endpoint}`;
const keys = () => generateKeyPairSync('rsa', { modulusLength: 2048 });
const trusted = keys();
const stranger = keys();
let authRevision = 0;

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');
function mint(username: string, key = trusted.privateKey, expSeconds = 600): string {
  const head = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
  const body = b64url(JSON.stringify({ username, revision: authRevision, exp: Math.floor(Date.now() / 1000) + expSeconds }));
  return `${head}.${body}.${b64url(sign('sha256', Buffer.from(`${head}.${body}`), key))}`;
}

before(async () => {
  const dir = tempDir();
  const [pub, priv] = [join(dir, 'jwt.pub'), join(dir, 'jwt.key')];
  writeFileSync(pub, trusted.publicKey.export({ type: 'spki', format: 'pem' }));
  writeFileSync(priv, trusted.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  srv = await startEtcd([`--auth-token=jwt,pub-key=${pub},priv-key=${priv},sign-method=RS256,ttl=10m`]);
  for (const args of [
    ['user', 'add', 'root', '--new-user-password=rootpw'],
    ['user', 'add', 'reader', '--new-user-password=readerpw'],
    ['put', 'jwt/a', '1'],
    ['auth', 'enable'],
  ]) {
    const r = await etcdctl([ep(), ...args]);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  }
  // The auth store's revision, which a token must not be older than: read
  // from one the server issued.
  const res = await fetch(`http://${srv.endpoint}/v3/auth/authenticate`, { method: 'POST', body: JSON.stringify({ name: 'root', password: 'rootpw' }) });
  const issued = ((await res.json()) as { token: string }).token;
  authRevision = (JSON.parse(Buffer.from(issued.split('.')[1]!, 'base64url').toString()) as { revision: number }).revision;
  assert.ok(authRevision > 0);
});

after(async () => {
  await srv?.stop();
});

const ctl37 = (args: string[], o?: RunOptions) => exec(SERVERS['3.7'].etcdctl, args, o);
async function same(args: string[], o?: RunOptions) {
  const full = [ep(), ...args];
  const [ref, got] = await Promise.all([ctl37(full, o), ours(full, o)]);
  assert.equal(got.stdout.toString('latin1'), ref.stdout.toString('latin1'), `stdout of ${args.join(' ')}`);
  assert.deepEqual(errorLines(got.stderr), errorLines(ref.stderr), `Error lines of ${args.join(' ')}: ${got.stderr}`);
  assert.equal(got.code, ref.code, `exit code of ${args.join(' ')}`);
  return got;
}

describe('--auth-jwt-token', () => {
  test('a token the test signed: put and get as root, with no login', async () => {
    const token = mint('root');
    assert.equal((await same([`--auth-jwt-token=${token}`, 'put', 'jwt/b', '2'])).stdout.toString(), 'OK\n');
    assert.equal((await same([`--auth-jwt-token=${token}`, 'get', 'jwt/', '--prefix'])).stdout.toString(), 'jwt/a\n1\njwt/b\n2\n');
    // From the environment too, without an unknown-variable warning.
    const env = await ours([ep(), 'get', 'jwt/a', '--print-value-only'], { env: { ETCDCTL_AUTH_JWT_TOKEN: token } });
    assert.deepEqual([env.code, env.stdout.toString(), env.stderr], [0, '1\n', '']);
  });

  test('--user and --password are ignored, with no prompt', async () => {
    const got = await same([`--auth-jwt-token=${mint('root')}`, '--user=nobody', 'get', 'jwt/a'], { stdin: '' });
    assert.equal(got.stdout.toString(), 'jwt/a\n1\n');
    assert.equal(got.stderr, '');
  });

  test('--cluster discovery and the per-member connections send it', async () => {
    const got = await ours([ep(), `--auth-jwt-token=${mint('root')}`, 'endpoint', 'health', '--cluster']);
    assert.equal(got.code, 0, got.stderr);
    assert.match(got.stdout.toString(), /is healthy: successfully committed proposal/);
  });

  test('a user without roles is refused as the token names it', async () => {
    const got = await same([`--auth-jwt-token=${mint('reader')}`, 'get', 'jwt/a']);
    assert.deepEqual(errorLines(got.stderr), ['Error: etcdserver: permission denied']);
    assert.match(got.stderr, /^etcdctl-ts: the user the --auth-jwt-token names has no role that allows this$/m);
  });

  test("tokens the server does not accept: the server's words, a way out, and never the token", async () => {
    for (const token of [mint('root', stranger.privateKey), mint('root', trusted.privateKey, -60), 'not.a.jwt']) {
      for (const debug of [[], ['--debug']]) {
        const got = await same([`--auth-jwt-token=${token}`, ...debug, 'get', 'jwt/a']);
        assert.deepEqual(errorLines(got.stderr), ['Error: etcdserver: invalid auth token']);
        assert.match(got.stderr, /^etcdctl-ts: the server did not accept the --auth-jwt-token: /m);
        assert.ok(!got.stderr.includes(token), got.stderr);
      }
    }
  });
});
