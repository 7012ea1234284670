// A member over its space quota: the NOSPACE alarm in every format, the
// refused write with its way out named, and that way out, against etcdctl.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { errorLines, etcdctl, ours } from '../harness/cli.js';
import { reference } from '../harness/reference.js';
import { startEtcd, type EtcdServer } from '../harness/etcd.js';

let srv: EtcdServer;
const ep = () => `--endpoints=${srv.endpoint}`;
const NO_SPACE = 'Error: etcdserver: mvcc: database space exceeded';

before(async () => {
  srv = await startEtcd(['--quota-backend-bytes=1048576']);
  // 60 kB values: the 1 MiB quota is reached after about a dozen.
  const value = 'x'.repeat(60000);
  for (let i = 0; ; i++) {
    assert.ok(i < 100, 'the quota was never reached');
    const r = await etcdctl([ep(), 'put', `/big/${i}`, value]);
    if (r.code === 0) continue;
    assert.deepEqual(errorLines(r.stderr), [NO_SPACE]);
    break;
  }
});

after(async () => {
  await srv?.stop();
});

async function same(args: string[]): Promise<void> {
  const full = [ep(), ...args];
  const [ref, got] = [await reference(full), await ours(full)];
  assert.equal(got.stdout.toString('latin1'), ref.stdout.toString('latin1'), `stdout of ${args.join(' ')}`);
  assert.deepEqual(errorLines(got.stderr), errorLines(ref.stderr), `Error lines of ${args.join(' ')}: ${got.stderr}`);
  assert.equal(got.code, ref.code, `exit code of ${args.join(' ')}`);
}

describe('NOSPACE', () => {
  test('alarm list and endpoint status show the alarm as etcdctl does', async () => {
    // -w fields is left out: etcdctl 3.4 panics on it.
    for (const w of ['simple', 'json', 'table', 'protobuf']) await same(['alarm', 'list', '-w', w]);
    for (const w of ['simple', 'json', 'fields', 'table']) await same(['endpoint', 'status', '-w', w]);
    const list = await ours([ep(), 'alarm', 'list']);
    assert.match(list.stdout.toString(), /^memberID:\d+ alarm:NOSPACE \n$/);
  });

  test("a write is refused with etcdctl's error, and the way out is named", async () => {
    await same(['put', '/more', 'v']);
    const got = await ours([ep(), 'put', '/more', 'v']);
    assert.equal(got.code, 1);
    const lines = got.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 2, got.stderr);
    assert.match(lines[0]!, /^etcdctl-ts: the database has reached its size quota .*NOSPACE alarm.*compaction <revision>.*defrag --cluster.*alarm disarm/);
    assert.equal(lines[1], NO_SPACE);
  });

  test('the way out: compaction, defrag, alarm disarm; then writes work again', async () => {
    const before = (await etcdctl([ep(), 'alarm', 'list'])).stdout.toString();
    const status = JSON.parse((await etcdctl([ep(), 'endpoint', 'status', '-w', 'json'])).stdout.toString());
    const rev = String(status[0].Status.header.revision);
    assert.equal((await etcdctl([ep(), 'del', '/big/', '--prefix'])).code, 0);
    const revAfterDel = String(Number(rev) + 1);
    const compacted = await ours([ep(), 'compaction', revAfterDel]);
    assert.deepEqual([compacted.stdout.toString(), compacted.code], [`compacted revision ${revAfterDel}\n`, 0]);
    const defrag = await ours([ep(), 'defrag']);
    assert.deepEqual([defrag.stdout.toString(), defrag.code], [`Finished defragmenting etcd member[${srv.endpoint}]\n`, 0]);
    // disarm prints the alarms it cleared, in alarm list's format.
    const disarm = await ours([ep(), 'alarm', 'disarm']);
    assert.deepEqual([disarm.stdout.toString(), disarm.code], [before, 0]);
    await same(['alarm', 'list']);
    assert.equal((await ours([ep(), 'alarm', 'list'])).stdout.toString(), '');
    const put = await ours([ep(), 'put', '/after', 'v']);
    assert.deepEqual([put.stdout.toString(), put.code], ['OK\n', 0]);
  });
});
