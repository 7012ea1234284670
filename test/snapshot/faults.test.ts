// What faults and bad input did to backups (issue "Nothing lost"), on a real
// etcd: two saves to one path, planted links and devices, a full disk after
// the rename, retention across members, interrupted restores, and a bounded
// loop of signals at random moments whose invariant is that every file
// snapshot list calls good restores (and the newest boots), and nothing
// else carries a backup's name.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, statfsSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { BoltFile } from '../../src/snapshot/bbolt.js';
import { errorLines, etcdctl, OURS, ours } from '../harness/cli.js';
import { freePort, startEtcd, startExisting, tempDir, type EtcdServer } from '../harness/etcd.js';

let src: EtcdServer;
const at = () => `--endpoints=${src.endpoint}`;
const files = (dir: string) => readdirSync(dir).sort();
const TEMP = /\.[0-9a-f]{8}\.part$/;

before(async () => {
  // About 8 MB, so that a save or a restore takes long enough to be interrupted.
  src = await startEtcd(['--quota-backend-bytes=1073741824']);
  for (let t = 0; t < 8; t++) {
    const ops = Array.from({ length: 100 }, (_, i) => `put /f/${t * 100 + i} ${'x'.repeat(10000)}${i}`);
    assert.equal((await etcdctl([at(), 'txn'], { stdin: `\n${ops.join('\n')}\n\n\n` })).code, 0);
  }
});

after(async () => {
  await src?.stop();
});

// Starts a save and resolves once its temporary file exists, with the
// member frozen so the stream cannot finish meanwhile; thaw() lets it go on.
async function frozenSave(dir: string, args: string[]) {
  const before = new Set(files(dir));
  const child = spawn(process.execPath, [OURS, at(), 'snapshot', 'save', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number>((r) => child.on('exit', (code, sig) => r(code ?? (sig === 'SIGKILL' ? 137 : 128))));
  while (!files(dir).some((f) => TEMP.test(f) && !before.has(f))) {
    assert.equal(child.exitCode, null, err);
    await new Promise((r) => setTimeout(r, 1));
  }
  src.proc.kill('SIGSTOP');
  return { child, exited, out: () => out, err: () => err, thaw: () => src.proc.kill('SIGCONT') };
}

async function statusOk(path: string): Promise<void> {
  const r = await ours(['snapshot', 'status', path]);
  assert.equal(r.code, 0, `${path}: ${r.stderr}`);
}

describe('two saves to one path', () => {
  test('the second is refused, naming the running one, and the first completes whole', async () => {
    const dir = tempDir();
    const path = join(dir, 's.db');
    const first = await frozenSave(dir, [path]);
    try {
      const second = await ours([at(), 'snapshot', 'save', path]);
      assert.equal(second.code, 5, second.stderr);
      assert.match(
        errorLines(second.stderr)[0]!,
        new RegExp(
          `^Error: snapshot save is already running for ${path.replace(/[.]/g, '\\.')} \\(pid ${first.child.pid}, started .+\\): .+\\.s\\.db\\.lock is locked$`,
        ),
      );
    } finally {
      first.thaw();
    }
    assert.equal(await first.exited, 0, first.err());
    assert.equal(first.out(), `Snapshot saved at ${path}\n`);
    await statusOk(path);
    assert.deepEqual(files(dir), ['s.db'], 'no lock file or temporary left');
  });

  test('a second run killed with SIGKILL or SIGINT mid-stream does not touch what the first saved', async () => {
    const dir = tempDir();
    const path = join(dir, 'k.db');
    assert.equal((await ours([at(), 'snapshot', 'save', path])).code, 0);
    for (const sig of ['SIGINT', 'SIGKILL'] as const) {
      const run = await frozenSave(dir, [path]);
      run.child.kill(sig);
      await run.exited;
      run.thaw();
      await statusOk(path);
    }
    // The SIGKILLed run left its temporary; list names it, the next save with the path works.
    const list = await ours(['snapshot', 'list', dir]);
    assert.equal(list.code, 1);
    assert.match(list.stderr, /k\.db\.[0-9a-f]{8}\.part: left by a save of k\.db that did not finish/);
    assert.equal((await ours([at(), 'snapshot', 'save', path])).code, 0);
    await statusOk(path);
  });
});

describe('a stream that stops', () => {
  test('--command-timeout passing mid-stream says so, naming the member, not a lost leader; nothing is left', async () => {
    const dir = tempDir();
    const child = spawn(process.execPath, [OURS, at(), '--command-timeout=3s', 'snapshot', 'save', join(dir, 'slow.db')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number>((r) => child.on('exit', (code) => r(code ?? -1)));
    // Frozen once bytes have arrived.
    while (!files(dir).some((f) => TEMP.test(f) && statSync(join(dir, f)).size > 0)) {
      assert.equal(child.exitCode, null, err);
      await new Promise((r) => setTimeout(r, 1));
    }
    src.proc.kill('SIGSTOP');
    try {
      assert.equal(await exited, 5, err);
    } finally {
      src.proc.kill('SIGCONT');
    }
    assert.match(
      err,
      new RegExp(`^etcdctl-ts: the deadline \\(--command-timeout\\) passed while ${src.endpoint} was still sending the snapshot \\(\\d+ bytes so far\\)`, 'm'),
    );
    assert.doesNotMatch(err, /no leader/);
    assert.match(errorLines(err)[0]!, /^Error: the snapshot stream from .+ broke after \d+ bytes: context deadline exceeded$/);
    assert.deepEqual(files(dir), []);
  });
});

describe('planted links, devices and foreign files', () => {
  test('links at the temporary, checksum, metrics and lock names are never written through; modes stay 0600', async () => {
    const dir = tempDir();
    const victim = join(tempDir(), 'victim');
    writeFileSync(victim, 'precious');
    const path = join(dir, 'p.db');
    symlinkSync(victim, `${path}.part`);
    // A world-writable .part owned by someone else, as an attacker would leave it.
    writeFileSync(join(dir, 'q.db.part'), 'planted');
    chmodSync(join(dir, 'q.db.part'), 0o666);
    chownSync(join(dir, 'q.db.part'), 65534, 65534);
    const r = await ours([at(), 'snapshot', 'save', path, '--checksum-file', '--metrics-file', join(dir, 'm.prom')]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(victim, 'utf8'), 'precious');
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.ok(lstatSync(`${path}.part`).isSymbolicLink(), 'the planted link is left alone');
    // Links at the checksum and metrics names are refused, never followed
    // nor replaced: the metrics file before the save, the checksum after it.
    const linked = join(dir, 'l2.db');
    symlinkSync(victim, `${linked}.sha256`);
    symlinkSync(victim, join(dir, 'l2.prom'));
    const m = await ours([at(), 'snapshot', 'save', linked, '--metrics-file', join(dir, 'l2.prom')]);
    assert.deepEqual(
      [m.code, errorLines(m.stderr)],
      [128, [`Error: --metrics-file: ${join(dir, 'l2.prom')} is a symbolic link to a regular file: refusing to replace it (give the path it points to)`]],
    );
    const c = await ours([at(), 'snapshot', 'save', linked, '--checksum-file']);
    assert.equal(c.code, 6, c.stderr);
    assert.deepEqual(errorLines(c.stderr), [
      `Error: the snapshot was saved at ${linked}, but its checksum file was not written (${linked}.sha256 is a symbolic link to a regular file: refusing to replace it (give the path it points to))`,
    ]);
    assert.ok(lstatSync(`${linked}.sha256`).isSymbolicLink() && lstatSync(join(dir, 'l2.prom')).isSymbolicLink());
    assert.equal(readFileSync(victim, 'utf8'), 'precious');
    const q = await ours([at(), 'snapshot', 'save', join(dir, 'q.db')]);
    assert.equal(q.code, 0, q.stderr);
    assert.equal(statSync(join(dir, 'q.db')).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'q.db')).uid, process.getuid!());
    assert.equal(readFileSync(join(dir, 'q.db.part'), 'utf8'), 'planted');
    // A link planted at the lock file's name is refused, not followed.
    symlinkSync(victim, join(dir, '.l.db.lock'));
    const l = await ours([at(), 'snapshot', 'save', join(dir, 'l.db')]);
    assert.equal(l.code, 5);
    assert.deepEqual(errorLines(l.stderr), [`Error: open the lock file ${join(dir, '.l.db.lock')}: is a symbolic link`]);
    assert.equal(readFileSync(victim, 'utf8'), 'precious');
  });

  test('devices, FIFOs and links to them are refused as targets; - streams to a pipe', async () => {
    const dir = tempDir();
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    symlinkSync('/dev/null', join(dir, 'null-link'));
    for (const [target, why] of [
      ['/dev/null', 'exists and is a character device: refusing to replace it with a file'],
      [join(dir, 'fifo'), 'exists and is a FIFO: refusing to replace it with a file'],
      [join(dir, 'null-link'), 'is a symbolic link to a character device: refusing to replace it (give the path it points to)'],
    ] as const) {
      const r = await ours([at(), 'snapshot', 'save', target]);
      assert.equal(r.code, 5, target);
      assert.deepEqual(errorLines(r.stderr), [`Error: ${target} ${why}`]);
    }
    assert.ok(statSync('/dev/null').isCharacterDevice());
    assert.ok(lstatSync(join(dir, 'null-link')).isSymbolicLink());
    // /dev/stdout redirected to a file is still a link in /dev: refused, not replaced.
    const redirected = join(dir, 'redirected.db');
    const viaStdout = spawnSync('sh', ['-c', `"${process.execPath}" "${OURS}" ${at()} snapshot save /dev/stdout > "${redirected}"`], { encoding: 'utf8' });
    assert.equal(viaStdout.status, 5);
    assert.match(viaStdout.stderr, /^Error: \/dev\/stdout is a symbolic link to a regular file: refusing to replace it/m);
    assert.ok(lstatSync('/dev/stdout').isSymbolicLink());
    // A pipe: the bytes are etcd's snapshot, nothing else on stdout.
    const out = join(dir, 'piped.db');
    execFileSync('sh', ['-c', `"${process.execPath}" "${OURS}" ${at()} snapshot save - | cat > "${out}"`]);
    await statusOk(out);
    const gz = join(dir, 'piped.db.gz');
    execFileSync('sh', ['-c', `"${process.execPath}" "${OURS}" ${at()} snapshot save - --compress gzip | cat > "${gz}"`]);
    execFileSync('gzip', ['-t', gz]);
    await statusOk(gz);
    // A reader that goes away fails the save.
    const cut = spawn('sh', ['-c', `"${process.execPath}" "${OURS}" ${at()} snapshot save - | head -c 10 >/dev/null`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    cut.stderr.on('data', (d: Buffer) => (err += d.toString()));
    await new Promise((r) => cut.on('exit', r));
    assert.match(err, /^Error: standard output was closed by its reader after \d+ bytes of the snapshot$/m);
  });
});

describe('after the rename', () => {
  test('--metrics-file in a missing directory is refused before anything is saved', async () => {
    const dir = tempDir();
    const r = await ours([at(), 'snapshot', 'save', join(dir, 'm-{time}.db'), '--metrics-file', join(dir, 'no', 'm.prom'), '-w', 'json']);
    assert.equal(r.code, 128);
    assert.deepEqual(errorLines(r.stderr), [`Error: --metrics-file ${join(dir, 'no', 'm.prom')}: the directory ${join(dir, 'no')} does not exist`]);
    assert.deepEqual(files(dir), []);
  });

  test('a disk with room for the gzip backup only: -w json and metrics work, a checksum file that does not fit is reported with what exists', async (t) => {
    const probe = tempDir();
    const sized = join(probe, 'size.db.gz');
    assert.equal((await ours([at(), 'snapshot', 'save', sized, '--compress', 'gzip'])).code, 0);
    const gzPages = Math.ceil(statSync(sized).size / 4096);
    const dbSize = (JSON.parse((await ours(['snapshot', 'status', sized, '-w', 'json'])).stdout.toString()) as { totalSize: number }).totalSize;
    // Room for the compressed file, an older one and the lock file, and a page more.
    const pages = gzPages + 3;
    assert.ok(pages * 4096 < dbSize, 'the database itself would not fit');
    const mnt = join(tempDir(), 'small');
    mkdirSync(mnt);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${pages * 4096}`, 'tmpfs', mnt], { stdio: 'pipe' });
    } catch (e) {
      t.skip(`cannot mount a tmpfs here: ${(e as Error).message}`);
      return;
    }
    try {
      const old = join(mnt, 'n-20200101T000000Z.db.gz');
      const prom = join(probe, 'n.prom');
      writeFileSync(old, 'old');
      const ok = await ours([at(), 'snapshot', 'save', join(mnt, 'n-{time}.db.gz'), '--compress', 'gzip', '--keep', '1', '--metrics-file', prom, '-w', 'json']);
      assert.equal(ok.code, 0, ok.stderr);
      const j = JSON.parse(ok.stdout.toString()) as { path: string; revision: number; total_keys: number; pruned: string[]; problems: string[] };
      const status = JSON.parse((await ours(['snapshot', 'status', j.path, '-w', 'json'])).stdout.toString()) as { revision: number; totalKey: number };
      assert.deepEqual([j.revision, j.total_keys, j.pruned, j.problems], [status.revision, status.totalKey, [old], []]);
      assert.match(readFileSync(prom, 'utf8'), new RegExp(`^etcdctl_ts_snapshot_last_total_keys ${status.totalKey}$`, 'm'));
      // Two pages left: the next backup would fit only if the last one went
      // first, which it must not before the new one is whole.
      writeFileSync(join(mnt, 'filler'), Buffer.alloc(4096));
      const full = await ours([at(), 'snapshot', 'save', join(mnt, 'n-{time}.db.gz'), '--compress', 'gzip', '--keep', '1', '--metrics-file', prom]);
      assert.equal(full.code, 5);
      assert.match(errorLines(full.stderr)[0]!, /^Error: write .+\.part: no space left on device$/);
      assert.deepEqual(files(mnt), ['filler', j.path.slice(mnt.length + 1)]);
      assert.match(readFileSync(prom, 'utf8'), /^etcdctl_ts_snapshot_last_failure_timestamp_seconds [1-9]\d{9}$/m);
      // Room for the lock and the backup, not for its checksum file: the
      // backup exists, and the report says so.
      // The room is measured, not assumed: the pages of a backup as big as
      // the one just saved (the same data), and one for the lock file.
      const backupPages = Math.ceil(statSync(j.path).size / 4096) + 1;
      execFileSync('rm', [j.path, join(mnt, 'filler')]);
      const free = statfsSync(mnt);
      writeFileSync(join(mnt, 'filler'), Buffer.alloc(Math.max(0, free.bavail * free.bsize - backupPages * 4096)));
      const sum = await ours([at(), 'snapshot', 'save', join(mnt, 'c.db.gz'), '--compress', 'gzip', '--checksum-file', '-w', 'json']);
      assert.equal(sum.code, 6, sum.stderr);
      assert.match(
        errorLines(sum.stderr)[0]!,
        new RegExp(
          `^Error: the snapshot was saved at ${join(mnt, 'c.db.gz').replace(/[.]/g, '\\.')}, but its checksum file was not written \\(write .+\\.sha256\\.[0-9a-f]{8}\\.part: no space left on device\\)$`,
        ),
      );
      assert.match((JSON.parse(sum.stdout.toString()) as { problems: string[] }).problems[0]!, /^its checksum file was not written/);
      await statusOk(join(mnt, 'c.db.gz'));
      assert.deepEqual(files(mnt), ['c.db.gz', 'filler']);
    } finally {
      execFileSync('umount', [mnt]);
    }
  });
});

describe('retention', () => {
  test("{member} scopes --keep to the member saving: other members' backups in a shared directory stay", async () => {
    const dir = tempDir();
    const others = ['c2', 'c3'].flatMap((m) => [1, 2, 3].map((d) => `etcd-${m}-2020010${d}T000000Z.db`));
    const mine = [1, 2, 3].map((d) => `etcd-${src.name}-2020010${d}T000000Z.db`);
    for (const f of [...others, ...mine]) writeFileSync(join(dir, f), 'x');
    const r = await ours([at(), 'snapshot', 'save', join(dir, 'etcd-{member}-{time}.db'), '--keep', '2', '-w', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout.toString()) as { path: string; pruned: string[] };
    assert.deepEqual(
      [...j.pruned].sort(),
      mine.slice(0, 2).map((f) => join(dir, f)),
    );
    assert.deepEqual(files(dir), [...others, mine[2]!, j.path.slice(dir.length + 1)].sort());
  });

  test('snapshot list shows every file a pattern made, good or not, and leftovers; exit 1', async () => {
    const dir = tempDir();
    const good = join(dir, 'b-20200101T000000Z.db');
    assert.equal((await ours([at(), 'snapshot', 'save', good])).code, 0);
    writeFileSync(join(dir, 'b-20200102T000000Z.db'), '');
    writeFileSync(join(dir, 'b-20200103T000000Z.db'), Buffer.from(Array.from({ length: 9000 }, (_, i) => (i * 7919) % 251)));
    writeFileSync(join(dir, 'b-20200104T000000Z.db.9f00aa11.part'), 'half');
    writeFileSync(join(dir, 'unrelated.txt'), 'x');
    for (const where of [dir, join(dir, 'b-{time}.db')]) {
      const r = await ours(['snapshot', 'list', where, '-w', 'json']);
      assert.equal(r.code, 1, where);
      const l = (JSON.parse(r.stdout.toString()) as { snapshots: { name: string; status: string }[] }).snapshots;
      assert.deepEqual(
        l.map((x) => [x.name, x.status]),
        [
          ['b-20200101T000000Z.db', 'ok'],
          ['b-20200102T000000Z.db', 'bad'],
          ['b-20200103T000000Z.db', 'bad'],
          ['b-20200104T000000Z.db.9f00aa11.part', 'leftover'],
        ],
      );
      assert.deepEqual(errorLines(r.stderr), [
        'Error: 3 of 4 snapshot files failed verification: b-20200102T000000Z.db, b-20200103T000000Z.db, b-20200104T000000Z.db.9f00aa11.part',
      ]);
    }
    // A running save's temporary is "saving", not bad.
    const run = await frozenSave(dir, [join(dir, 'b-{time}.db')]);
    try {
      const r = await ours(['snapshot', 'list', dir, '-w', 'json']);
      const l = (JSON.parse(r.stdout.toString()) as { snapshots: { name: string; status: string }[] }).snapshots;
      assert.equal(l.filter((x) => x.status === 'saving').length, 1, r.stdout.toString());
    } finally {
      run.thaw();
    }
    assert.equal(await run.exited, 0, run.err());
  });
});

describe('restore', () => {
  test("a signal mid-restore leaves nothing, plain or gzip; a SIGKILL's leftovers are named and removed by the next run", async () => {
    const dir = tempDir();
    const plain = join(dir, 's.db');
    const gz = join(dir, 's.db.gz');
    assert.equal((await ours([at(), 'snapshot', 'save', plain])).code, 0);
    assert.equal((await ours([at(), 'snapshot', 'save', gz, '--compress', 'gzip'])).code, 0);
    for (const input of [plain, gz]) {
      for (const sig of ['SIGINT', 'SIGTERM'] as const) {
        const out = tempDir();
        const child = spawn(process.execPath, [OURS, 'snapshot', 'restore', input, `--data-dir=${join(out, 'd')}`], { stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        const exited = new Promise<string>((r) => child.on('exit', (code, s) => r(code === null ? String(s) : String(code))));
        // Signalled once its temporary data dir exists (or after it finished).
        while (child.exitCode === null && !readdirSync(out).some((n) => n.includes('.restoring-'))) await new Promise((r) => setTimeout(r, 1));
        child.kill(sig);
        const code = await exited;
        const left = files(out);
        if (code === '0') assert.deepEqual(left, ['d'], 'finished before the signal: whole');
        else {
          assert.equal(code, sig === 'SIGINT' ? '130' : '143', `${input} ${sig}: ${err}`);
          assert.deepEqual(left, [], `${input} ${sig}: ${left.join(' ')}`);
        }
      }
    }
    const out = tempDir();
    const child = spawn(process.execPath, [OURS, 'snapshot', 'restore', gz, `--data-dir=${join(out, 'd')}`], { stdio: 'ignore' });
    const exited = new Promise((r) => child.on('exit', r));
    while (child.exitCode === null && !readdirSync(out).some((n) => n.includes('.restoring-'))) await new Promise((r) => setTimeout(r, 1));
    child.kill('SIGKILL');
    await exited;
    const leftover = files(out).find((n) => n.startsWith('d.restoring-'));
    if (leftover) {
      const r = await ours(['snapshot', 'restore', plain, `--data-dir=${join(out, 'd')}`]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(`^etcdctl-ts: removed ${join(out, leftover).replace(/[.]/g, '\\.')}, left by a snapshot restore that did not finish$`, 'm'),
      );
      assert.deepEqual(files(out), ['d']);
    }
    assert.deepEqual(
      readdirSync(join(dir)).filter((n) => n.endsWith('.plain')),
      [],
    );
  });

  test('--skip-hash-check still refuses a structurally corrupt database; a directory or FIFO is named as such', async () => {
    const dir = tempDir();
    const path = join(dir, 'c.db');
    assert.equal((await ours([at(), 'snapshot', 'save', path])).code, 0);
    const b = readFileSync(path);
    // The root bucket's page gets flags no page has: the tree is broken,
    // and the sha256 trailer with it.
    const db = BoltFile.open(path);
    const root = db.meta.root;
    const ps = db.meta.pageSize;
    db.close();
    b.writeUInt16LE(0x7, root * ps + 8);
    writeFileSync(path, b);
    const st = await ours(['snapshot', 'status', path]);
    assert.equal(st.code, 1);
    const r = await ours(['snapshot', 'restore', path, '--skip-hash-check', `--data-dir=${join(dir, 'd')}`]);
    assert.equal(r.code, 1);
    assert.match(
      errorLines(r.stderr)[0]!,
      new RegExp(
        `^Error: ${path.replace(/[.]/g, '\\.')} is not a usable snapshot \\(--skip-hash-check skips the sha256, not the structure\\): snapshot file integrity check failed\\. \\d+ errors found\\.$`,
      ),
      r.stderr,
    );
    assert.deepEqual(files(dir), ['c.db']);
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    for (const [what, kind] of [
      [dir, 'a directory'],
      [join(dir, 'fifo'), 'a FIFO'],
    ] as const) {
      for (const cmd of [['status'], ['restore', `--data-dir=${join(tempDir(), 'd')}`]]) {
        const x = await ours(['snapshot', cmd[0]!, what, ...cmd.slice(1)], { timeoutMs: 10000 });
        assert.equal(x.code, 1, `${cmd[0]} ${what}`);
        assert.deepEqual(errorLines(x.stderr), [`Error: ${what} is ${kind}, not a snapshot file`]);
      }
    }
  });
});

describe('untrusted gzip input', () => {
  test('a gzip bomb is refused at its first page or at the size its database declares, leaving nothing in TMPDIR', async () => {
    const dir = tempDir();
    const tmp = tempDir();
    const plain = join(dir, 's.db');
    assert.equal((await ours([at(), 'snapshot', 'save', plain])).code, 0);
    const zeros = join(dir, 'zeros.db.gz');
    writeFileSync(zeros, gzipSync(Buffer.alloc(64 << 20)));
    const padded = join(dir, 'padded.db.gz');
    writeFileSync(padded, gzipSync(Buffer.concat([readFileSync(plain), Buffer.alloc(64 << 20)])));
    const cases: [string, RegExp][] = [
      [zeros, /does not hold an etcd snapshot: what it decompresses to is not a bbolt database \(meta page: invalid magic number\)$/],
      [padded, /decompresses to more than the \d+ bytes its database says it has: refusing it$/],
    ];
    for (const [file, msg] of cases) {
      for (const cmd of [['status'], ['restore', `--data-dir=${join(tempDir(), 'd')}`]]) {
        const r = await ours(['snapshot', cmd[0]!, file, ...cmd.slice(1)], { env: { TMPDIR: tmp } });
        assert.equal(r.code, 1, `${cmd[0]} ${file}: ${r.stderr}`);
        assert.match(errorLines(r.stderr)[0]!, new RegExp(`^Error: ${file.replace(/[.]/g, '\\.')} `));
        assert.match(errorLines(r.stderr)[0]!, msg);
      }
      const k = await ours([`--snapshot=${file}`, 'k8s', 'ls'], { env: { TMPDIR: tmp } });
      assert.equal(k.code, 1);
      assert.match(errorLines(k.stderr)[0]!, msg);
    }
    assert.deepEqual(files(tmp), []);
  });
});

describe('a bounded fault loop', () => {
  test("signals at random byte offsets, concurrent runs, a full disk, interrupted restores: what list calls good restores, the newest boots, nothing else has a backup's name", async (t) => {
    // A seeded generator, so that a failure can be replayed (FAULT_SEED=…).
    let seed = Number(process.env.FAULT_SEED ?? (Date.now() % 100000) + 1);
    const seedUsed = seed;
    const rand = () => {
      seed = (seed * 48271) % 2147483647;
      return seed / 2147483647;
    };
    t.diagnostic(`FAULT_SEED=${seedUsed}`);
    const probe = join(tempDir(), 'size.db.gz');
    assert.equal((await ours([at(), 'snapshot', 'save', probe, '--compress', 'gzip'])).code, 0);
    const gzSize = statSync(probe).size;
    // Room for about three and a half backups: --keep 3 then runs into a full disk now and then.
    const dir = join(tempDir(), 'loop');
    mkdirSync(dir);
    let mounted = false;
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${Math.ceil((gzSize * 3.5) / 4096 + 4) * 4096}`, 'tmpfs', dir], { stdio: 'pipe' });
      mounted = true;
    } catch (e) {
      t.diagnostic(`no tmpfs (${(e as Error).message}): the loop runs without a full disk`);
    }
    try {
      const pattern = join(dir, 'loop-{time}.db.gz');
      const save = (extra: string[] = []) =>
        spawn(process.execPath, [OURS, at(), 'snapshot', 'save', pattern, '--compress', 'gzip', '--keep', '3', '--checksum-file', ...extra], {
          stdio: ['ignore', 'ignore', 'pipe'],
        });
      const outcome = (child: ReturnType<typeof save>) =>
        new Promise<{ code: number | null; err: string }>((resolve) => {
          let err = '';
          child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
          child.on('close', (code) => resolve({ code, err }));
        });
      // A whole run may only fail for want of room.
      const acceptable = (o: { code: number | null; err: string }, what: string) =>
        assert.ok(
          o.code === 0 || (o.code === 5 && /no space left on device/.test(o.err)) || (o.code === 5 && /is already running for/.test(o.err)),
          `seed ${seedUsed}: ${what}: ${o.code} ${o.err}`,
        );
      for (let i = 0; i < 10; i++) {
        const kind = ['signal', 'signal', 'concurrent', 'whole', 'restore'][Math.floor(rand() * 5)]!;
        if (kind === 'signal') {
          const sig = (['SIGINT', 'SIGTERM', 'SIGKILL'] as const)[Math.floor(rand() * 3)]!;
          const offset = Math.floor(rand() * gzSize);
          const before = new Set(files(dir));
          const child = save();
          const done = outcome(child);
          // Signalled once its temporary holds `offset` bytes (or it ended first).
          for (;;) {
            if (child.exitCode !== null) break;
            const temp = files(dir).find((f) => TEMP.test(f) && !before.has(f));
            if (temp && (statSync(join(dir, temp), { throwIfNoEntry: false })?.size ?? 0) >= offset) break;
            await new Promise((r) => setTimeout(r, 1));
          }
          child.kill(sig);
          await done;
        } else if (kind === 'concurrent') {
          const [a, b] = [save(), save()];
          const [oa, ob] = await Promise.all([outcome(a), outcome(b)]);
          acceptable(oa, 'concurrent run a');
          acceptable(ob, 'concurrent run b');
        } else if (kind === 'whole') {
          acceptable(await outcome(save()), 'whole run');
        } else {
          const good = (
            JSON.parse((await ours(['snapshot', 'list', pattern, '-w', 'json'])).stdout.toString()) as { snapshots: { path: string; status: string }[] }
          ).snapshots.filter((l) => l.status === 'ok');
          if (good.length === 0) continue;
          const out = tempDir();
          const child = spawn(process.execPath, [OURS, 'snapshot', 'restore', good[0]!.path, `--data-dir=${join(out, 'd')}`], { stdio: 'ignore' });
          const done = new Promise((r) => child.on('close', r));
          await new Promise((r) => setTimeout(r, rand() * 100));
          child.kill((['SIGINT', 'SIGTERM', 'SIGKILL'] as const)[Math.floor(rand() * 3)]!);
          await done;
          const left = files(out);
          // Whole, nothing, or (after SIGKILL) a temporary dir the next restore removes.
          assert.ok(
            left.length === 0 || (left.length === 1 && (left[0] === 'd' || /^d\.restoring-[0-9a-f]{8}$/.test(left[0]!))),
            `seed ${seedUsed}: restore left ${left.join(' ')}`,
          );
          if (left[0]?.startsWith('d.restoring-')) {
            const again = await ours(['snapshot', 'restore', good[0]!.path, `--data-dir=${join(out, 'd')}`]);
            assert.equal(again.code, 0, `seed ${seedUsed}: ${again.stderr}`);
            assert.deepEqual(files(out), ['d']);
          }
        }
        // {time} names step by the second.
        await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 5));
      }
      const list = await ours(['snapshot', 'list', pattern, '-w', 'json']);
      const listed = (JSON.parse(list.stdout.toString()) as { snapshots: { name: string; path: string; status: string }[] }).snapshots;
      const good = listed.filter((l) => l.status === 'ok');
      // Every name in the directory is a listed snapshot, its .sha256, or a
      // listed leftover; a SIGKILLed run's lock file stays until the next run.
      for (const f of files(dir).filter((n) => !/^\..+\.lock$/.test(n))) {
        const base = f.replace(/\.sha256$/, '');
        assert.ok(
          listed.some((l) => l.name === base),
          `seed ${seedUsed}: ${f} is not accounted for`,
        );
      }
      for (const l of listed) if (l.status !== 'ok') assert.equal(l.status, 'leftover', `seed ${seedUsed}: ${l.name} is ${l.status}`);
      for (const [i, l] of good.entries()) {
        const data = join(tempDir(), 'data');
        const spec = { name: 'r', dataDir: data, clientPort: await freePort(), peerPort: await freePort() };
        const r = await ours([
          'snapshot',
          'restore',
          l.path,
          '--name=r',
          `--data-dir=${data}`,
          `--initial-cluster=r=http://127.0.0.1:${spec.peerPort}`,
          `--initial-advertise-peer-urls=http://127.0.0.1:${spec.peerPort}`,
        ]);
        assert.equal(r.code, 0, `seed ${seedUsed}: ${l.name}: ${r.stderr}`);
        if (i !== good.length - 1) continue;
        const cl = await startExisting([spec]);
        try {
          const keys = await etcdctl([`--endpoints=${cl.members[0]!.endpoint}`, 'get', '/f/', '--prefix', '--keys-only']);
          assert.equal(keys.stdout.toString().split('\n').filter(Boolean).length, 800);
        } finally {
          await cl.stop();
        }
      }
      // A whole run with --keep removes every leftover (with room for it).
      for (const l of good.slice(0, -1)) execFileSync('rm', ['-f', l.path, `${l.path}.sha256`]);
      await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 5));
      const last = await ours([at(), 'snapshot', 'save', pattern, '--compress', 'gzip', '--keep', '3']);
      assert.equal(last.code, 0, `seed ${seedUsed}: ${last.stderr}`);
      assert.deepEqual(
        files(dir).filter((f) => f.endsWith('.part') || f.endsWith('.lock')),
        [],
      );
    } finally {
      if (mounted) execFileSync('umount', [dir]);
    }
  });
});
