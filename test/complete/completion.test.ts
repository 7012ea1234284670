// Shell completion in real bash, zsh and fish, each through its own
// machinery (bash: COMP_WORDS/COMP_CWORD and the registered function; zsh:
// the function compinit's compdef registered, with compadd captured; fish:
// `complete -C`), against a real etcd for keys, members, leases, users and
// roles.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { COMPLETE_TIMEOUT, etcdctl, OURS, ours, ROOT } from '../harness/cli.js';
import { freePort, startEtcd, tempDir, type EtcdServer } from '../harness/etcd.js';

let srv: EtcdServer;
let bin: string;
let work: string;
let memberId: string;
let leaseId: string;
const SCRIPTS = { bash: 'etcdctl-ts.bash', zsh: '_etcdctl-ts', fish: 'etcdctl-ts.fish' };

before(async () => {
  srv = await startEtcd();
  const ep = `--endpoints=${srv.endpoint}`;
  for (const k of [
    '/registry/pods/default/a',
    '/registry/pods/kube-system/b',
    '/registry/services/specs/default/kubernetes',
    '/registry/clusterroles/system:admin',
    '/registry/clusterroles/view',
    '/other',
  ]) {
    assert.equal((await etcdctl([ep, 'put', k, 'v'])).code, 0);
  }
  leaseId = /lease ([0-9a-f]{16}) granted/.exec((await etcdctl([ep, 'lease', 'grant', '600'])).stdout.toString())![1]!;
  memberId = (await etcdctl([ep, 'member', 'list'])).stdout.toString().split(',')[0]!;
  for (const args of [
    ['user', 'add', 'alice:pw'],
    ['user', 'add', 'bob:pw'],
    ['role', 'add', 'reader'],
  ])
    assert.equal((await etcdctl([ep, ...args])).code, 0);
  // The program as a shell finds it: `etcdctl-ts` on the PATH.
  bin = tempDir();
  work = tempDir();
  writeFileSync(join(bin, 'etcdctl-ts'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(OURS)} "$@"\n`);
  chmodSync(join(bin, 'etcdctl-ts'), 0o755);
  writeFileSync(join(work, 'backup.db'), '');
});

after(async () => {
  await srv?.stop();
});

function shell(cmd: string, args: string[], env: Record<string, string> = {}): Promise<{ out: string; err: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ETCDCTL_')));
    const child = spawn(cmd, args, {
      cwd: work,
      env: { ...base, ...COMPLETE_TIMEOUT, PATH: `${bin}:${process.env.PATH}`, ETCDCTL_ENDPOINTS: srv.endpoint, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    const timer = setTimeout(() => child.kill('SIGKILL'), 20000);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`${cmd} exited ${code}: ${err}`));
      else resolve({ out, err, ms: Date.now() - started });
    });
  });
}

const script = (s: keyof typeof SCRIPTS) => join(ROOT, 'completions', SCRIPTS[s]);
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

// bash: the words as bash splits them (COMP_WORDBREAKS: '=' and ':' apart).
async function bash(words: string[], env?: Record<string, string>): Promise<string[]> {
  const cmd = `source ${q(script('bash'))}; [[ $(complete -p etcdctl-ts) == *"-F _etcdctl_ts"* ]] || exit 3; COMP_WORDS=(etcdctl-ts ${words.map(q).join(' ')}); COMP_CWORD=${words.length}; _etcdctl_ts; printf '%s\\n' "\${COMPREPLY[@]}"`;
  return (await shell('bash', ['--norc', '-c', cmd], env)).out.split('\n').filter(Boolean);
}

async function zsh(words: string[], env?: Record<string, string>): Promise<string[]> {
  const cmd =
    `autoload -U compinit; compinit -u -D; source ${q(script('zsh'))}; [[ $_comps[etcdctl-ts] == _etcdctl_ts ]] || exit 3; ` +
    `compadd() { print -rl -- "\${@[\${@[(i)--]}+1,-1]}" }; _files() { print -r -- '<files>' }; ` +
    `words=(etcdctl-ts ${words.map(q).join(' ')}); CURRENT=${words.length + 1}; $_comps[etcdctl-ts]`;
  return (await shell('zsh', ['-f', '-c', cmd], env)).out.split('\n').filter(Boolean);
}

async function fish(line: string, env?: Record<string, string>): Promise<string[]> {
  const cmd = `source ${q(script('fish'))}; complete -C ${q(line)}`;
  return (await shell('fish', ['--no-config', '-c', cmd], env)).out
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t')[0]!);
}

describe('completion scripts', () => {
  test('`completion bash|zsh|fish` prints the scripts in completions/', async () => {
    for (const [sh, file] of Object.entries(SCRIPTS)) {
      const r = await ours(['completion', sh]);
      assert.equal(r.code, 0);
      assert.ok(r.stdout.equals(readFileSync(join(ROOT, 'completions', file))), sh);
    }
    const bad = await ours(['completion', 'tcsh']);
    assert.equal(bad.code, 128);
    assert.match(bad.stderr, /^Error: invalid argument "tcsh" for "etcdctl-ts completion": one of bash, zsh, fish$/m);
  });
});

describe('in every shell', () => {
  const cases: { what: string; words: string[]; want: string[]; exact?: boolean }[] = [
    { what: 'commands', words: ['sn'], want: ['snapshot'], exact: true },
    { what: 'subcommands after an abbreviated group', words: ['mem', 'rem'], want: ['remove'], exact: true },
    { what: 'commands after help', words: ['help', 'member', 'p'], want: ['promote'], exact: true },
    { what: 'flags of the command and global ones', words: ['get', '--pr'], want: ['--prefix', '--print-value-only'], exact: true },
    { what: 'global flags', words: ['get', '--endp'], want: ['--endpoints'], exact: true },
    { what: '-w values', words: ['get', '-w', ''], want: ['simple', 'json', 'protobuf', 'fields', 'table'], exact: true },
    { what: '--sort-by values', words: ['get', '--sort-by', 'M'], want: ['MODIFY'], exact: true },
    {
      what: 'keys one path segment at a time',
      words: ['get', '/registry/'],
      want: ['/registry/clusterroles/', '/registry/pods/', '/registry/services/'],
      exact: true,
    },
    { what: 'keys under a segment', words: ['get', '/registry/pods/'], want: ['/registry/pods/default/', '/registry/pods/kube-system/'], exact: true },
    { what: 'whole keys at the end', words: ['del', '/registry/pods/default/'], want: ['/registry/pods/default/a'], exact: true },
  ];
  for (const c of cases) {
    test(c.what, async () => {
      const results = {
        bash: await bash(c.words),
        zsh: await zsh(c.words),
        fish: await fish(['etcdctl-ts', ...c.words].join(' ')),
      };
      for (const [sh, got] of Object.entries(results)) {
        if (c.exact) assert.deepEqual([...got].sort(), [...c.want].sort(), `${sh}: ${c.words.join(' ')}`);
      }
    });
  }

  test('member IDs for member remove and move-leader', async () => {
    for (const words of [
      ['member', 'remove', ''],
      ['move-leader', ''],
    ]) {
      assert.deepEqual(await bash(words), [memberId]);
      assert.deepEqual(await zsh(words), [memberId]);
      assert.deepEqual(await fish(`etcdctl-ts ${words.join(' ')}`), [memberId]);
    }
  });

  test('lease IDs, users and roles', async () => {
    assert.deepEqual(await bash(['lease', 'revoke', '']), [leaseId]);
    assert.deepEqual(await zsh(['lease', 'timetolive', '']), [leaseId]);
    assert.deepEqual(await fish('etcdctl-ts lease keep-alive '), [leaseId]);
    assert.deepEqual(await bash(['user', 'get', '']), ['alice', 'bob']);
    assert.deepEqual(await zsh(['user', 'grant-role', 'alice', '']), ['reader']);
    assert.deepEqual(await fish('etcdctl-ts role get '), ['reader']);
  });

  test('file names for snapshot files and TLS flags', async () => {
    assert.deepEqual(await bash(['snapshot', 'save', 'back']), ['backup.db']);
    assert.deepEqual(await bash(['--cacert', 'b']), ['backup.db']);
    assert.deepEqual(await zsh(['snapshot', 'status', '']), ['<files>']);
    assert.ok((await fish('etcdctl-ts snapshot restore back')).includes('backup.db'));
  });
});

describe('shell specifics', () => {
  test('bash: words split at = and : are completed in place', async () => {
    assert.deepEqual(await bash(['get', '--write-out', '=', 'js']), ['json']);
    assert.deepEqual(await bash(['get', '--write-out', '=']), ['=simple', '=json', '=protobuf', '=fields', '=table']);
    assert.deepEqual(await bash(['get', '/registry/clusterroles/system', ':', 'a']), ['admin']);
  });

  test('zsh and fish: --flag=value in one word', async () => {
    assert.deepEqual(await zsh(['get', '--write-out=js']), ['--write-out=json']);
    assert.deepEqual(await fish('etcdctl-ts get --write-out=js'), ['--write-out=json']);
  });

  test('the endpoint can come from the line instead of the environment', async () => {
    const env = { ETCDCTL_ENDPOINTS: `127.0.0.1:${await freePort()}` };
    assert.deepEqual(await bash([`--endpoints=${srv.endpoint}`, 'get', '/registry/pods/'], env), ['/registry/pods/default/', '/registry/pods/kube-system/']);
    assert.deepEqual(await zsh(['--endpoints', srv.endpoint, 'member', 'remove', ''], env), [memberId]);
  });
});

describe('never in the way', () => {
  test('nothing reachable: nothing offered, quickly, silently', async () => {
    const env = { ETCDCTL_ENDPOINTS: `127.0.0.1:${await freePort()}`, ETCDCTL_TS_COMPLETE_TIMEOUT: '' };
    const r = await shell(
      'bash',
      ['--norc', '-c', `source ${q(script('bash'))}; COMP_WORDS=(etcdctl-ts get /); COMP_CWORD=2; _etcdctl_ts; echo "n=\${#COMPREPLY[@]}"`],
      env,
    );
    assert.equal(r.out, 'n=0\n');
    assert.equal(r.err, '');
    assert.ok(r.ms < 3000, `${r.ms} ms`);
  });

  test('a server that accepts and never answers: given up on within the bound', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((res) => silent.listen(0, '127.0.0.1', res));
    try {
      const ep = `127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
      const started = Date.now();
      const r = await ours(['__complete', `--endpoints=${ep}`, 'get', '/'], { env: { ETCDCTL_TS_COMPLETE_TIMEOUT: '' } });
      const ms = Date.now() - started;
      assert.equal(r.stdout.toString(), ':0\n');
      assert.equal(r.stderr, '');
      assert.ok(ms < 2000, `${ms} ms`);
    } finally {
      silent.close();
    }
  });

  test('a user without a password is never prompted', async () => {
    const r = await ours(['__complete', `--endpoints=${srv.endpoint}`, '--user=alice', 'user', 'get', ''], { stdin: 'secret\n' });
    assert.equal(r.stdout.toString(), 'alice\nbob\n:0\n');
    assert.doesNotMatch(r.stdout.toString() + r.stderr, /Password/);
  });
});
