// Backups a cron job can trust: {time}/{member} names, gzip, .sha256 files,
// retention, metrics, snapshot list, and the ways they go wrong (a full
// disk, a broken .gz, foreign files beside the backups), on a real etcd.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { errorLines, etcdctl, OURS, ours } from '../harness/cli.js';
import { freePort, startEtcd, startExisting, tempDir, type EtcdServer } from '../harness/etcd.js';

let src: EtcdServer;
const at = () => `--endpoints=${src.endpoint}`;

before(async () => {
  src = await startEtcd();
  for (let t = 0; t < 4; t++) {
    const ops = Array.from({ length: 100 }, (_, i) => `put /data/${t * 100 + i} ${'v'.repeat(1000)}${i}`);
    assert.equal((await etcdctl([at(), 'txn'], { stdin: `\n${ops.join('\n')}\n\n\n` })).code, 0);
  }
  await etcdctl([at(), 'user', 'add', 'alice:pw']);
});

after(async () => {
  await src?.stop();
});

// Waits for the next wall-clock second: {time} names have one-second steps.
async function nextSecond(): Promise<void> {
  const s = Math.floor(Date.now() / 1000);
  while (Math.floor(Date.now() / 1000) === s) await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 5));
}

const files = (dir: string) => readdirSync(dir).sort();

describe('snapshot save for cron jobs', () => {
  test('five runs keep exactly the three newest, each with a .sha256 that sha256sum checks and a metrics file; each restores and boots', async () => {
    const dir = tempDir();
    // Foreign files and a link the pattern could match: never pruned; an
    // interrupted save's temporary of the pattern: removed.
    writeFileSync(join(dir, 'notes.txt'), 'x');
    writeFileSync(join(dir, 'etcd-20200101T000000Z.db.gz.0123abcd.part'), 'half');
    writeFileSync(join(dir, 'etcd-old.db.gz'), 'not of the pattern');
    symlinkSync(join(dir, 'notes.txt'), join(dir, 'etcd-20200102T000000Z.db.gz'));
    const pattern = join(dir, 'etcd-{time}.db.gz');
    const prom = join(dir, 'etcd.prom');
    const saved: string[] = [];
    for (let i = 0; i < 5; i++) {
      await nextSecond();
      const r = await ours([at(), 'snapshot', 'save', pattern, '--compress', 'gzip', '--checksum-file', '--keep', '3', '--metrics-file', prom, '-w', 'json']);
      assert.equal(r.code, 0, r.stderr);
      const j = JSON.parse(r.stdout.toString()) as {
        path: string;
        revision: number;
        total_keys: number;
        compressed_size: number;
        checksum_file: string;
        pruned: string[];
      };
      assert.match(j.path, /etcd-\d{8}T\d{6}Z\.db\.gz$/);
      assert.ok(j.compressed_size > 0 && j.compressed_size < statSync(j.path).size + 1);
      assert.equal(j.checksum_file, `${j.path}.sha256`);
      assert.deepEqual(j.pruned, i === 0 ? [join(dir, 'etcd-20200101T000000Z.db.gz.0123abcd.part')] : i >= 3 ? [saved[i - 3]] : []);
      saved.push(j.path);
    }
    const kept = saved.slice(2).map((p) => p.slice(dir.length + 1));
    assert.deepEqual(
      files(dir),
      ['etcd-20200102T000000Z.db.gz', 'etcd-old.db.gz', 'etcd.prom', ...kept.flatMap((k) => [k, `${k}.sha256`]), 'notes.txt'].sort(),
    );
    execFileSync('sha256sum', ['-c', ...kept.map((k) => `${k}.sha256`)], { cwd: dir, stdio: 'pipe' });
    execFileSync('gzip', ['-t', ...kept], { cwd: dir, stdio: 'pipe' });
    const metrics = readFileSync(prom, 'utf8');
    assert.match(metrics, /^etcdctl_ts_snapshot_last_success_timestamp_seconds \d{10}$/m);
    assert.match(metrics, new RegExp(`^etcdctl_ts_snapshot_last_size_bytes ${statSync(saved[4]!).size}$`, 'm'));
    assert.match(metrics, /^etcdctl_ts_snapshot_last_total_keys \d+$/m);
    assert.match(metrics, /^etcdctl_ts_snapshot_last_failure_timestamp_seconds 0$/m);
    // snapshot list checks every one the pattern made.
    const list = await ours(['snapshot', 'list', pattern, '-w', 'json']);
    assert.equal(list.code, 0, list.stderr);
    const listed = (JSON.parse(list.stdout.toString()) as { snapshots: { name: string; compressed: boolean; trailer: string; checksumFile: string }[] })
      .snapshots;
    assert.deepEqual(
      listed.map((l) => [l.name, l.compressed, l.trailer, l.checksumFile]),
      kept.map((k) => [k, true, 'ok', 'ok']),
    );
    // Each restores and boots with the source's data.
    for (const k of kept) {
      const data = join(tempDir(), 'data');
      const spec = { name: 'r', dataDir: data, clientPort: await freePort(), peerPort: await freePort() };
      const r = await ours([
        'snapshot',
        'restore',
        join(dir, k),
        `--name=r`,
        `--data-dir=${data}`,
        `--initial-cluster=r=http://127.0.0.1:${spec.peerPort}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${spec.peerPort}`,
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(readdirSync(join(data, '..')), ['data'], 'no temporary file left beside the data dir');
      const cl = await startExisting([spec]);
      try {
        const ep = `--endpoints=${cl.members[0]!.endpoint}`;
        assert.equal((await etcdctl([ep, 'get', '/data/', '--prefix', '--keys-only'])).stdout.toString().split('\n').filter(Boolean).length, 400);
        assert.equal((await etcdctl([ep, 'user', 'list'])).stdout.toString(), 'alice\n');
      } finally {
        await cl.stop();
      }
    }
    // A failed run keeps the last success's figures and records the failure.
    const fail = await ours(['--endpoints=127.0.0.1:1', '--dial-timeout=200ms', 'snapshot', 'save', pattern, '--metrics-file', prom]);
    assert.notEqual(fail.code, 0);
    const after = readFileSync(prom, 'utf8');
    assert.match(after, /^etcdctl_ts_snapshot_last_failure_timestamp_seconds [1-9]\d{9}$/m);
    assert.equal(/last_success_timestamp_seconds (\d+)/.exec(after)![1], /last_success_timestamp_seconds (\d+)/.exec(metrics)![1]);
    assert.equal(files(dir).length, 10);
  });

  test("--keep-within keeps what is recent; --keep needs {time}; a plain save is etcdctl's", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'b-20200101T000000Z.db'), 'old');
    writeFileSync(join(dir, 'b-20200101T000000Z.db.sha256'), 'old');
    const r = await ours([at(), 'snapshot', 'save', join(dir, 'b-{time}.db'), '--keep-within', '1h']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(files(dir).length, 1);
    const refused = await ours([at(), 'snapshot', 'save', join(dir, 'plain.db'), '--keep', '2']);
    assert.equal(refused.code, 128);
    assert.deepEqual(errorLines(refused.stderr), ['Error: --keep and --keep-within prune what earlier runs saved: the file name needs {time}']);
    const plain = await ours([at(), 'snapshot', 'save', join(dir, 'plain.db')]);
    assert.equal(plain.stdout.toString(), `Snapshot saved at ${join(dir, 'plain.db')}\n`);
    const member = await ours([at(), 'snapshot', 'save', join(dir, '{member}.db')]);
    assert.equal(member.code, 0, member.stderr);
    assert.ok(existsSync(join(dir, `${src.name}.db`)));
  });
});

describe('broken and compressed files', () => {
  test('a truncated or flipped-byte .gz is refused by status, list and restore', async () => {
    const dir = tempDir();
    const good = join(dir, 'good.db.gz');
    assert.equal((await ours([at(), 'snapshot', 'save', good, '--compress', 'gzip'])).code, 0);
    const [ref, got] = [await ours(['snapshot', 'status', good, '-w', 'json']), await ours([at(), 'snapshot', 'save', join(dir, 'plain.db')])];
    assert.equal(ref.code, 0, ref.stderr);
    assert.equal(got.code, 0);
    const bytes = readFileSync(good);
    writeFileSync(join(dir, 'cut.db.gz'), bytes.subarray(0, bytes.length >> 1));
    const flipped = Buffer.from(bytes);
    flipped[flipped.length >> 1]! ^= 0x55;
    writeFileSync(join(dir, 'flip.db.gz'), flipped);
    for (const name of ['cut.db.gz', 'flip.db.gz']) {
      const st = await ours(['snapshot', 'status', join(dir, name)]);
      assert.equal(st.code, 1, name);
      assert.match(
        errorLines(st.stderr)[0]!,
        // A flipped byte may also inflate to more than the database can hold, by chance of the data.
        new RegExp(
          `^Error: ${join(dir, name).replace(/[.]/g, '\\.')} (?:is not a whole gzip file|decompresses to more than the \\d+ bytes its database says it has: refusing it$)|^Error: .*(corrupt|not a usable snapshot)`,
        ),
      );
      const data = join(tempDir(), 'data');
      const rs = await ours(['snapshot', 'restore', join(dir, name), `--data-dir=${data}`]);
      assert.equal(rs.code, 1, name);
      assert.deepEqual(readdirSync(join(data, '..')), [], 'restore leaves nothing');
    }
    const list = await ours(['snapshot', 'list', dir]);
    assert.equal(list.code, 1);
    assert.deepEqual(errorLines(list.stderr), ['Error: 2 of 4 snapshot files failed verification: cut.db.gz, flip.db.gz']);
    assert.match(list.stdout.toString(), /^good\.db\.gz\s+\S+\s+.+\s+ok\s+missing\s+ok$/m);
  });
});

describe('a full disk', () => {
  test('save onto a full tmpfs leaves no file, no .part and no pruned backup; restore into one leaves nothing', async (t) => {
    const mnt = join(tempDir(), 'small');
    mkdirSync(mnt);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mnt], { stdio: 'pipe' });
    } catch (e) {
      t.skip(`cannot mount a tmpfs here: ${(e as Error).message}`);
      return;
    }
    try {
      writeFileSync(join(mnt, 'etcd-20200101T000000Z.db'), 'an older backup');
      const r = await ours([at(), 'snapshot', 'save', join(mnt, 'etcd-{time}.db'), '--keep', '1']);
      assert.equal(r.code, 5, r.stderr);
      assert.match(errorLines(r.stderr)[0]!, new RegExp(`^Error: write ${mnt}/etcd-\\d{8}T\\d{6}Z\\.db\\.[0-9a-f]{8}\\.part: no space left on device$`));
      assert.deepEqual(files(mnt), ['etcd-20200101T000000Z.db']);
      // Restore of a good snapshot into the full disk.
      const snap = join(tempDir(), 's.db.gz');
      assert.equal((await ours([at(), 'snapshot', 'save', snap, '--compress', 'gzip'])).code, 0);
      const rs = await ours(['snapshot', 'restore', snap, `--data-dir=${join(mnt, 'data')}`]);
      assert.equal(rs.code, 1);
      assert.match(errorLines(rs.stderr)[0]!, new RegExp(`^Error: write ${mnt}/data\\.restoring-[0-9a-f]{8}/member/snap/db: no space left on device$`));
      assert.deepEqual(files(mnt), ['etcd-20200101T000000Z.db']);
    } finally {
      execFileSync('umount', [mnt]);
    }
  });

  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    test(`${signal} during a compressed save (${signal === 'SIGTERM' ? 'nothing left' : 'only a .part left'}); the next run works, removes the .part and prunes nothing it should keep`, async () => {
      const dir = tempDir();
      const pattern = join(dir, 'k-{time}.db.gz');
      await nextSecond();
      assert.equal((await ours([at(), 'snapshot', 'save', pattern, '--compress', 'gzip', '--keep', '2'])).code, 0);
      await nextSecond();
      const child = spawn(process.execPath, [OURS, at(), 'snapshot', 'save', pattern, '--compress', 'gzip', '--keep', '2'], { stdio: 'ignore' });
      const exited = new Promise((r) => child.on('exit', r));
      // Signalled as soon as its .part exists (or after it finished, if faster).
      for (let i = 0; i < 2000 && child.exitCode === null && !files(dir).some((f) => f.endsWith('.part')); i++) await new Promise((r) => setTimeout(r, 1));
      child.kill(signal);
      await exited;
      const left = files(dir);
      const parts = left.filter((f) => f.endsWith('.part')).length;
      const saved = left.filter((f) => f.endsWith('.db.gz')).length;
      // The first backup, and either the signalled one (had it finished) or,
      // after SIGKILL only, its .part; SIGTERM removes the .part itself.
      assert.ok(saved === 2 ? parts === 0 : saved === 1 && parts === (signal === 'SIGKILL' ? 1 : 0), left.join(' '));
      await nextSecond();
      const r = await ours([at(), 'snapshot', 'save', pattern, '--compress', 'gzip', '--keep', '2', '-w', 'json']);
      assert.equal(r.code, 0, r.stderr);
      const now = files(dir);
      assert.equal(now.filter((f) => f.endsWith('.db.gz')).length, 2, now.join(' '));
      // The leftover .part of the killed run is gone with the pruning, and said so.
      assert.equal(now.filter((f) => f.endsWith('.part')).length, 0, now.join(' '));
      assert.equal((JSON.parse(r.stdout.toString()) as { pruned: string[] }).pruned.filter((p) => p.endsWith('.part')).length, parts);
    });
  }
});

describe('a member that dies mid-stream', () => {
  test('the save fails with the cause, leaving no file and no .part, and records the failure', async () => {
    const big = await startEtcd(['--quota-backend-bytes=1073741824']);
    try {
      // 40 MB: far more than socket buffers hold once the member is frozen.
      for (let t = 0; t < 40; t++) {
        const ops = Array.from({ length: 100 }, (_, i) => `put /big/${t * 100 + i} ${'b'.repeat(10000)}`);
        assert.equal((await etcdctl([`--endpoints=${big.endpoint}`, 'txn'], { stdin: `\n${ops.join('\n')}\n\n\n` })).code, 0);
      }
      const dir = tempDir();
      const prom = join(dir, 'etcd.prom');
      const child = spawn(
        process.execPath,
        [OURS, `--endpoints=${big.endpoint}`, 'snapshot', 'save', join(dir, 'dies.db.gz'), '--compress', 'gzip', '--metrics-file', prom],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const exited = new Promise<number>((r) => child.on('exit', (code) => r(code ?? -1)));
      // The .part exists once the member was chosen: freeze the member, then kill it.
      while (!files(dir).some((f) => /^dies\.db\.gz\.[0-9a-f]{8}\.part$/.test(f))) {
        assert.equal(child.exitCode, null, err);
        await new Promise((r) => setTimeout(r, 2));
      }
      big.proc.kill('SIGSTOP');
      await big.kill();
      assert.equal(await exited, 5, err);
      assert.match(err, new RegExp(`^Error: the snapshot stream from ${big.endpoint} \\(member [0-9a-f]+\\) broke after \\d+ bytes: .+$`, 'm'));
      assert.deepEqual(files(dir), ['etcd.prom']);
      assert.match(readFileSync(prom, 'utf8'), /^etcdctl_ts_snapshot_last_failure_timestamp_seconds [1-9]\d{9}$/m);
      assert.match(readFileSync(prom, 'utf8'), /^etcdctl_ts_snapshot_last_success_timestamp_seconds 0$/m);
    } finally {
      await big.stop();
    }
  });
});
