// The single executable (npm run package), copied alone into an empty
// directory and run with a PATH that has no node: it must carry the whole
// CLI, the completion bundle and the lazily loaded parts.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { COMPLETE_TIMEOUT, type Result, ROOT } from '../harness/cli.js';
import { startEtcd, tempDir, type EtcdServer } from '../harness/etcd.js';

const BUILT = join(ROOT, 'dist', `etcdctl-ts-${process.platform}-${process.arch}`);
let srv: EtcdServer;
let home: string;
let exe: string;

before(async () => {
  assert.ok(existsSync(BUILT), `${BUILT} is missing: run npm run package`);
  home = tempDir();
  mkdirSync(join(home, 'bin'));
  exe = join(home, 'etcdctl-ts');
  copyFileSync(BUILT, exe);
  srv = await startEtcd();
});

after(async () => {
  await srv?.stop();
});

// No node, no node_modules, no project files: an empty PATH and cwd.
function run(args: string[], stdin = ''): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(exe, args, { cwd: home, env: { PATH: join(home, 'bin'), HOME: home, ...COMPLETE_TIMEOUT }, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out), stderr: err }));
    child.stdin.end(stdin);
  });
}

describe('the single executable, without node', () => {
  const ep = () => `--endpoints=${srv.endpoint}`;

  test('no node on its PATH', async () => {
    await assert.rejects(
      new Promise((resolve, reject) =>
        spawn('node', ['-e', '0'], { env: { PATH: join(home, 'bin') } })
          .on('error', reject)
          .on('close', resolve),
      ),
      /ENOENT/,
    );
    assert.equal((await run(['version'])).stdout.toString(), 'etcdctl version: 3.4.23\nAPI version: 3.4\n');
  });

  test('put and get, every format', async () => {
    const put = await run([ep(), 'put', 'sea/key', 'from one file']);
    assert.equal(put.stdout.toString(), 'OK\n', put.stderr);
    assert.equal((await run([ep(), 'get', 'sea/key'])).stdout.toString(), 'sea/key\nfrom one file\n');
    const json = await run([ep(), 'get', 'sea/', '--prefix', '-w', 'json']);
    assert.match(json.stdout.toString(), /"key":"c2VhL2tleQ==".*"value":"ZnJvbSBvbmUgZmlsZQ=="/);
    const txn = await run([ep(), 'txn'], 'value("sea/key") = "from one file"\n\nput sea/txn yes\n\n\n');
    assert.equal(txn.stdout.toString(), 'SUCCESS\n\nOK\n');
  });

  test('snapshot save and status (the lazily loaded snapshot code)', async () => {
    const file = join(home, 'snap.db');
    const saved = await run([ep(), 'snapshot', 'save', file]);
    assert.equal(saved.code, 0, saved.stderr);
    assert.equal(saved.stdout.toString(), `Snapshot saved at ${file}\n`);
    const status = await run(['snapshot', 'status', file, '-w', 'json']);
    assert.equal(status.code, 0, status.stderr);
    const parsed = JSON.parse(status.stdout.toString()) as { revision: number; totalKey: number };
    assert.ok(parsed.totalKey >= 2, status.stdout.toString());
    assert.ok(readFileSync(file).length > 0);
  });

  test('an error that names its cause (the lazily loaded diagnosis)', async () => {
    const r = await run(['--endpoints=127.0.0.1:1', '--dial-timeout=300ms', 'get', 'x']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /127\.0\.0\.1:1.*refused/);
    assert.match(r.stderr, /^Error: context deadline exceeded$/m);
  });

  test('completion: the scripts, and a live key lookup through __complete', async () => {
    assert.match((await run(['completion', 'bash'])).stdout.toString(), /^# bash completion for etcdctl-ts/);
    assert.match((await run(['completion', 'zsh'])).stdout.toString(), /etcdctl-ts/);
    assert.match((await run(['completion', 'fish'])).stdout.toString(), /etcdctl-ts/);
    const live = await run(['__complete', ep(), 'get', 'sea/']);
    assert.deepEqual(live.stdout.toString().trim().split('\n').slice(0, -1), ['sea/key', 'sea/txn']);
  });
});
