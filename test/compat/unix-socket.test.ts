// Unix socket endpoints. etcd 3.7 is the first to advertise them as client
// URLs (3.6 refuses anything but host:port), so that `--cluster` has to
// dial them; etcdctl 3.7 is the reference.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { join } from 'node:path';
import { errorLines, exec, ours } from '../harness/cli.js';
import { startEtcd, tempDir, type EtcdServer } from '../harness/etcd.js';
import { atLeast, server } from '../harness/servers.js';

describe(`a member serving and advertising a unix socket${atLeast('3.7') ? '' : ' (3.7 only: earlier servers refuse such client URLs)'}`, {
  skip: !atLeast('3.7') && 'unix client URLs are new in 3.7',
}, () => {
  let srv: EtcdServer;
  let sock: string;
  before(async () => {
    sock = join(tempDir(), 'etcd.sock');
    srv = await startEtcd(['--listen-client-urls', `{client},unix://${sock}`, '--advertise-client-urls', `unix://${sock}`]);
  });
  after(async () => {
    await srv?.stop();
  });

  const same = async (args: string[]) => {
    const [ref, got] = await Promise.all([exec(server().etcdctl, args), ours(args)]);
    assert.equal(got.stdout.toString('latin1'), ref.stdout.toString('latin1'), args.join(' '));
    assert.deepEqual(errorLines(got.stderr), errorLines(ref.stderr), args.join(' '));
    assert.equal(got.code, ref.code, got.stderr);
    return got;
  };

  test('put and get through unix:///path and unix:/path', async () => {
    for (const ep of [`unix://${sock}`, `unix:${sock}`]) {
      assert.equal((await same([`--endpoints=${ep}`, 'put', 'sock/k', ep])).stdout.toString(), 'OK\n');
      assert.equal((await same([`--endpoints=${ep}`, 'get', 'sock/k', '--print-value-only'])).stdout.toString(), `${ep}\n`);
    }
  });

  test('--cluster dials the advertised socket', async () => {
    const tcp = `--endpoints=${srv.endpoint}`;
    const list = await same([tcp, 'member', 'list']);
    assert.match(list.stdout.toString(), new RegExp(`, unix://${sock}, false\\n$`));
    const health = await ours([tcp, 'endpoint', 'health', '--cluster']);
    assert.equal(health.code, 0, health.stderr);
    assert.match(health.stdout.toString(), new RegExp(`^unix://${sock} is healthy: successfully committed proposal: took = `));
    const status = await ours([tcp, 'endpoint', 'status', '--cluster', '-w', 'json']);
    assert.equal(status.code, 0, status.stderr);
    assert.equal((JSON.parse(status.stdout.toString()) as { Endpoint: string }[])[0]!.Endpoint, `unix://${sock}`);
    await same([tcp, 'endpoint', 'hashkv', '--cluster', '-w', 'json']);
  });
});
