// downgrade validate|enable|cancel (etcdctl 3.6's command; the RPC is in
// the 3.5 API). Every server version: its answers as etcdctl 3.6 prints
// them. 3.6 and later: a downgrade enabled on a 3-member cluster lowers
// the storage version of every member; one cancelled on a second cluster
// leaves no downgrade behind.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { errorLines, exec, ours, type Result } from '../harness/cli.js';
import { startCluster, startEtcd, type EtcdCluster, type EtcdServer } from '../harness/etcd.js';
import { atLeast, server, SERVERS } from '../harness/servers.js';

const ctl36 = (args: string[]) => exec(SERVERS['3.6'].etcdctl, args);
// One minor below the server's: the only target a cluster accepts.
const below = () => `3.${Number(server().minor.slice(2)) - 1}`;

async function same(args: string[]): Promise<Result> {
  const [ref, got] = await Promise.all([ctl36(args), ours(args)]);
  assert.equal(got.stdout.toString('latin1'), ref.stdout.toString('latin1'), `stdout of ${args.join(' ')}`);
  assert.deepEqual(errorLines(got.stderr), errorLines(ref.stderr), `Error lines of ${args.join(' ')}: ${got.stderr}`);
  assert.equal(got.code, ref.code, `exit code of ${args.join(' ')}`);
  return got;
}

interface Status {
  Endpoint: string;
  Status: { storageVersion?: string; downgradeInfo?: { enabled?: boolean; targetVersion?: string } };
}
async function statuses(endpoints: string): Promise<Status[]> {
  const r = await ours([`--endpoints=${endpoints}`, 'endpoint', 'status', '-w', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout.toString()) as Status[];
}

// Polls until `ok` holds for every member's status (the members' monitors
// act every few seconds), within a minute.
async function until(endpoints: string, ok: (s: Status) => boolean, what: string): Promise<Status[]> {
  for (let i = 0; ; i++) {
    const list = await statuses(endpoints);
    if (list.every(ok)) return list;
    assert.ok(i < 300, `${what}: ${JSON.stringify(list)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('downgrade answers, as etcdctl 3.6 prints them', () => {
  let srv: EtcdServer;
  before(async () => {
    srv = await startEtcd();
  });
  after(async () => {
    await srv?.stop();
  });
  test('arguments, targets and formats; nothing is started', async () => {
    const ep = `--endpoints=${srv.endpoint}`;
    for (const args of [
      ['validate'],
      ['validate', '3.5', 'x'],
      ['enable'],
      ['validate', 'abc'],
      ['validate', '3.1'],
      ['validate', below()],
      ['validate', `${below()}.7`, '-w', 'json'],
      ['validate', below(), '-w', 'protobuf'],
      ['validate', below(), '-w', 'fields'],
      ['cancel', '-w', 'table'],
      ['cancel'],
      ['cancel', '-w', 'json'],
    ]) {
      await same([ep, 'downgrade', ...args]);
    }
    if (atLeast('3.6')) {
      const [s] = await statuses(srv.endpoint);
      assert.equal(s!.Status.downgradeInfo?.enabled, undefined);
      assert.equal(s!.Status.storageVersion, `${server().minor}.0`);
    }
  });
});

describe(`a downgrade under way${atLeast('3.6') ? '' : ' (3.6+ only: earlier servers have no storage version to lower)'}`, {
  skip: !atLeast('3.6') && 'storage versions are new in 3.6',
}, () => {
  let cl: EtcdCluster;
  before(async () => {
    cl = await startCluster(3);
  });
  after(async () => {
    await cl?.stop();
  });

  test(`validate, enable: every member's storage drops to ${below()}`, async () => {
    const ep = `--endpoints=${cl.endpoints}`;
    const version = server().minor;
    assert.equal((await same([ep, 'downgrade', 'validate', below()])).stdout.toString(), `Downgrade validate success, cluster version ${version}\n`);
    const enabled = await ours([ep, 'downgrade', 'enable', below()]);
    assert.deepEqual([enabled.code, enabled.stdout.toString()], [0, `Downgrade enable success, cluster version ${version}\n`]);
    const target = `${below()}.0`;
    const list = await until(cl.endpoints, (s) => s.Status.storageVersion === target, `storage version ${target} on every member`);
    for (const s of list) assert.deepEqual(s.Status.downgradeInfo, { enabled: true, targetVersion: target });
    // The cluster version went first, so the same target is now no step down.
    for (const m of cl.members) assert.equal(((await (await fetch(`http://${m.endpoint}/version`)).json()) as { etcdcluster: string }).etcdcluster, target);
    const again = await same([ep, 'downgrade', 'enable', below()]);
    assert.deepEqual(errorLines(again.stderr), ['Error: etcdserver: invalid downgrade target version']);
  });

  test('cancel on a second cluster: no downgrade left, the storage at its own version', async () => {
    const second = await startCluster(1);
    try {
      const ep = `--endpoints=${second.endpoints}`;
      assert.equal((await ours([ep, 'downgrade', 'enable', below()])).code, 0);
      await until(second.endpoints, (s) => s.Status.downgradeInfo?.enabled === true, 'downgrade enabled');
      const cancelled = await ours([ep, 'downgrade', 'cancel']);
      assert.deepEqual([cancelled.code, cancelled.stdout.toString()], [0, `Downgrade cancel success, cluster version ${server().minor}\n`]);
      await until(
        second.endpoints,
        (s) => s.Status.downgradeInfo?.enabled === undefined && s.Status.storageVersion === `${server().minor}.0`,
        'downgrade cancelled',
      );
      // With none under way, a new one may be validated again.
      assert.equal((await ours([ep, 'downgrade', 'validate', below()])).code, 0);
    } finally {
      await second.stop();
    }
  });
});
