// watch against etcdctl on one server: with --rev both replay the same
// history, so their output must match byte for byte whenever they start.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { errorLines, ETCDCTL, etcdctl, OURS, ours } from '../harness/cli.js';
import { startEtcd, type EtcdServer } from '../harness/etcd.js';

let srv: EtcdServer;
let first: bigint; // revision of the first event of the history below
let compacted: bigint;

before(async () => {
  srv = await startEtcd();
  const ctl = async (...args: string[]) => {
    const r = await etcdctl([`--endpoints=${srv.endpoint}`, ...args]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.toString();
  };
  await ctl('put', 'old', 'x');
  await ctl('compaction', '2');
  compacted = 1n;
  const rev = JSON.parse(await ctl('put', 'wa', 'v1', '-w', 'json')).header.revision as number;
  first = BigInt(rev);
  await ctl('put', 'wa', 'v2');
  await ctl('put', 'wb', 'q"\t');
  await ctl('del', 'wa');
  await ctl('put', 'other', 'o');
  await ctl('put', 'wz', 'end');
});

after(async () => {
  await srv?.stop();
});

// Output complete once it ends with `tail` (and contains `has`): etcdctl
// writes a response in several writes, so a watch is only stopped after
// the last bytes of the last expected event.
interface Done {
  tail: string;
  has?: string;
}

const isDone = (out: Buffer, d: Done) => out.toString('latin1').endsWith(d.tail) && (d.has === undefined || out.includes(d.has));

// Runs a watch until its output is complete, then interrupts it.
function watchUntil(bin: string, args: string[], marker: Done, o: { stdin?: string; env?: Record<string, string> } = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const [file, argv] = bin === OURS ? [process.execPath, [OURS, ...args]] : [bin, args];
    const env: NodeJS.ProcessEnv = { ...process.env, ...o.env };
    const child = spawn(file, argv, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`${bin} ${args.join(' ')}: no ${JSON.stringify(marker)} at the end of ${JSON.stringify(Buffer.concat(chunks).toString())}; stderr ${err}`),
      );
    }, 15000);
    child.stdout.on('data', (d: Buffer) => {
      chunks.push(d);
      if (isDone(Buffer.concat(chunks), marker)) {
        clearTimeout(timer);
        child.kill('SIGINT');
        resolve(Buffer.concat(chunks));
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    if (o.stdin !== undefined) child.stdin.write(o.stdin);
  });
}

async function sameWatch(args: string[], marker: Done, o: { stdin?: string; env?: Record<string, string> } = {}) {
  const full = [`--endpoints=${srv.endpoint}`, ...args];
  const [ref, got] = await Promise.all([watchUntil(ETCDCTL, full, marker, o), watchUntil(OURS, full, marker, o)]);
  assert.equal(got.toString('latin1'), ref.toString('latin1'), args.join(' '));
  return got;
}

describe('watch output', () => {
  test('a key from a revision, in every format', async () => {
    const markers: Record<string, Done> = {
      simple: { tail: 'wz\nend\n' },
      json: { tail: '}\n', has: 'ZW5k' },
      fields: { tail: '"Value" : "end"\n"Lease" : 0\n' },
      protobuf: { tail: 'end' },
    };
    for (const [format, marker] of Object.entries(markers)) {
      await sameWatch(['-w', format, 'watch', 'w', '--prefix', `--rev=${first}`], marker);
    }
  });
  test('-w table: refused at the first event, exit 4, as etcdctl', async () => {
    const args = [`--endpoints=${srv.endpoint}`, '-w', 'table', 'watch', 'w', '--prefix', `--rev=${first}`];
    const [ref, got] = await Promise.all([etcdctl(args, { timeoutMs: 10000 }), ours(args, { timeoutMs: 10000 })]);
    assert.deepEqual([got.code, ref.code], [4, 4]);
    assert.deepEqual(errorLines(got.stderr), ['Error: table not supported as output format']);
    assert.deepEqual(errorLines(ref.stderr), errorLines(got.stderr));
    assert.equal(got.stdout.toString(), ref.stdout.toString());
  });
  test('deletes, with and without --prev-kv', async () => {
    const got = await sameWatch(['watch', 'wa', `--rev=${first}`, '--prev-kv'], { tail: 'DELETE\nwa\nv2\nwa\n\n' });
    assert.equal(got.toString(), 'PUT\nwa\nv1\nPUT\nwa\nv1\nwa\nv2\nDELETE\nwa\nv2\nwa\n\n');
    await sameWatch(['-w', 'json', 'watch', 'wa', `--rev=${first}`, '--prev-kv'], { tail: '}\n', has: '"type":1' });
  });
  test('--prefix, a range and --hex', async () => {
    await sameWatch(['watch', 'w', '--prefix', `--rev=${first}`], { tail: 'wz\nend\n' });
    await sameWatch(['watch', 'wb', 'wz', `--rev=${first}`, '-w', 'fields'], { tail: '"Lease" : 0\n', has: '"Key" : "wb"' });
    await sameWatch(['--hex', 'watch', 'w', '--prefix', `--rev=${first}`], { tail: '\\x65\\x6e\\x64\n' });
  });
  test('ETCDCTL_WATCH_KEY and ETCDCTL_WATCH_RANGE_END', async () => {
    await sameWatch(['watch', `--rev=${first}`], { tail: 'wz\nend\n' }, { env: { ETCDCTL_WATCH_KEY: 'w', ETCDCTL_WATCH_RANGE_END: 'x' } });
  });
  test('exec mode runs the command with ETCD_WATCH_* for every event', async () => {
    const cmd = ['sh', '-c', 'printf "exec: %s %s %s %s\\n" "$ETCD_WATCH_REVISION" "$ETCD_WATCH_EVENT_TYPE" "$ETCD_WATCH_KEY" "$ETCD_WATCH_VALUE"'];
    const got = await sameWatch(['watch', 'w', '--prefix', `--rev=${first}`, '--', ...cmd], { tail: '"end"\n' });
    assert.match(got.toString(), /^exec: \d+ "PUT" "wb" "q\\"\\t"$/m);
  });
  test('interactive mode', async () => {
    await sameWatch(['watch', '-i'], { tail: 'wz\nend\n' }, { stdin: `watch w --prefix --rev ${first}\n` });
  });
});

describe('watch -w jsonl', () => {
  test('one object an event, with prev_kv, the same events as -w json', async () => {
    const args = [`--endpoints=${srv.endpoint}`, 'watch', 'w', '--prefix', `--rev=${first}`, '--prev-kv'];
    const lines = (await watchUntil(OURS, [...args, '-w', 'jsonl'], { tail: '"value":"end","lease":"0"}\n' })).toString().trimEnd().split('\n');
    const events = lines.map((l) => JSON.parse(l) as { type: string; key: string; value: string; mod_revision: number; prev_kv?: { value: string } });
    assert.deepEqual(
      events.map((e) => [e.type, e.key, e.value, e.mod_revision - Number(first), e.prev_kv?.value]),
      [
        ['PUT', 'wa', 'v1', 0, undefined],
        ['PUT', 'wa', 'v2', 1, 'v1'],
        ['PUT', 'wb', 'q"\t', 2, undefined],
        ['DELETE', 'wa', '', 3, 'v2'],
        ['PUT', 'wz', 'end', 5, undefined],
      ],
    );
  });
});

describe('watch errors', () => {
  async function sameExit(args: string[], o: { env?: Record<string, string>; stdin?: string } = {}) {
    const full = [`--endpoints=${srv.endpoint}`, ...args];
    const [ref, got] = await Promise.all([etcdctl(full, o), ours(full, o)]);
    assert.deepEqual(errorLines(got.stderr), errorLines(ref.stderr), `${args.join(' ')}: ${got.stderr}`);
    assert.equal(got.code, ref.code, args.join(' '));
    assert.equal(got.stdout.toString('latin1'), ref.stdout.toString('latin1'));
    return got;
  }
  test('bad arguments exit 128', async () => {
    for (const args of [['watch'], ['watch', 'a', 'b', '--prefix'], ['watch', 'a', '--']]) {
      const got = await sameExit(args);
      assert.equal(got.code, 128);
    }
    await sameExit(['watch', 'a'], { env: { ETCDCTL_WATCH_KEY: 'k' } });
  });
  test('a compacted revision: the server cancels the watch, exit 5', async () => {
    const got = await sameExit(['watch', 'old', `--rev=${compacted}`]);
    assert.equal(got.code, 5);
    assert.match(got.stderr, /^watch was canceled \(etcdserver: mvcc: required revision has been compacted\)$/m);
  });
  test('interactive mode ends with an error at end of input', async () => {
    const got = await sameExit(['watch', '-i'], { stdin: 'bogus\n' });
    assert.equal(got.code, 3);
  });
});
