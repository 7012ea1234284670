// lock and elect: etcdctl-ts and etcdctl on the same names must exclude
// each other and see each other, since both follow etcd's recipe.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { errorLines, ETCDCTL, etcdctl, OURS, ours } from '../harness/cli.js';
import { useEtcd } from '../harness/etcd.js';
import { start } from '../harness/proc.js';

const srv = useEtcd();
const ep = () => `--endpoints=${srv().endpoint}`;

const keys = async (prefix: string) => (await etcdctl([ep(), 'get', prefix, '--prefix', '--keys-only'])).stdout.toString().split('\n').filter(Boolean);

// Resolves once `n` contenders have registered under the prefix.
async function contenders(prefix: string, n: number): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if ((await keys(prefix)).length >= n) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`fewer than ${n} keys under ${prefix}`);
}

describe('lock', () => {
  for (const [first, second] of [
    [ETCDCTL, OURS],
    [OURS, ETCDCTL],
  ] as const) {
    const names = (b: string) => (b === OURS ? 'etcdctl-ts' : 'etcdctl');
    test(`${names(first)} holds, ${names(second)} waits until it lets go`, async () => {
      const name = `lk-${names(first)}`;
      const holder = start(first, [ep(), 'lock', name]);
      await holder.waitFor(new RegExp(`^${name}/[0-9a-f]+\n\n$`));
      const waiter = start(second, [ep(), 'lock', name, '--', 'sh', '-c', 'echo acquired key=$ETCD_LOCK_KEY rev=$ETCD_LOCK_REV']);
      await contenders(`${name}/`, 2);
      assert.equal(waiter.out(), '', 'the second lock must wait');
      assert.equal(await holder.stop('SIGINT'), 0);
      await waiter.waitFor('acquired');
      assert.equal(await waiter.exited, 0, waiter.err());
      assert.match(waiter.out(), new RegExp(`^acquired key=${name}/[0-9a-f]+ rev=\\d+\n$`));
      assert.deepEqual(await keys(`${name}/`), [], 'both released the lock');
    });
  }

  test('the printed key, every format but table, as etcdctl', async () => {
    for (const w of ['simple', 'json', 'fields']) {
      const outs: string[] = [];
      for (const bin of [ETCDCTL, OURS]) {
        const p = start(bin, [ep(), 'lock', 'fmt', '-w', w]);
        await p.waitFor(w === 'simple' ? /\n\n$/ : w === 'json' ? /\}\n$/ : /"Count" : 1\n$/);
        outs.push(
          p
            .out()
            .replace(/fmt\/[0-9a-f]+/g, 'fmt/L')
            .replace(/\b\d{6,}\b/g, 'N')
            .replace(/"(revision|create_revision|mod_revision|Revision|CreateRevision|ModRevision)"( : |:)\d+/g, '"$1"$2R')
            .replace(/"(a2V5|Zm10)[A-Za-z0-9+/=]*"/g, 'K'),
        );
        assert.equal(await p.stop(), 0);
      }
      assert.equal(outs[1], outs[0], `-w ${w}`);
    }
  });

  test('a command exits with its own code (3.5), the lock released', async () => {
    const r = await ours([ep(), 'lock', 'lk-exit', '--', 'sh', '-c', 'exit 3']);
    assert.equal(r.code, 3);
    assert.deepEqual(errorLines(r.stderr), ['Error: exit status 3']);
    assert.deepEqual(await keys('lk-exit/'), []);
  });

  test('a missing program', async () => {
    const [ref, got] = [await etcdctl([ep(), 'lock', 'lk-x', '/nonexistent/cmd']), await ours([ep(), 'lock', 'lk-x', '/nonexistent/cmd'])];
    assert.deepEqual(errorLines(got.stderr), errorLines(ref.stderr));
    assert.equal(got.code, ref.code);
  });
});

describe('elect', () => {
  test('an etcdctl-ts observer sees an etcdctl leader, then an etcdctl-ts successor', async () => {
    const leader = start(ETCDCTL, [ep(), 'elect', 'el', 'p1']);
    await leader.waitFor(/^el\/[0-9a-f]+\np1\n$/);
    const watcher = start(OURS, [ep(), 'elect', '-l', 'el']);
    await watcher.waitFor(/^el\/[0-9a-f]+\np1\n$/);
    assert.equal(watcher.out(), leader.out());
    const next = start(OURS, [ep(), 'elect', 'el', 'p2']);
    await contenders('el/', 2);
    assert.equal(next.out(), '', 'the second candidate must wait');
    assert.equal(await leader.stop('SIGINT'), 0);
    await next.waitFor(/^el\/[0-9a-f]+\np2\n$/);
    await watcher.waitFor(next.out());
    assert.equal(watcher.out(), leader.out() + next.out());
    // And etcdctl's observer sees etcdctl-ts's leader.
    const theirs = start(ETCDCTL, [ep(), 'elect', '-l', 'el']);
    await theirs.waitFor(next.out());
    assert.equal(await next.stop('SIGINT'), 0);
    await theirs.stop();
    assert.equal(await watcher.stop('SIGINT'), 0);
    assert.deepEqual(await keys('el/'), []);
  });
});

describe('argument errors', () => {
  const cases = [['lock'], ['elect'], ['elect', 'e'], ['elect', '-l', 'e', 'p'], ['elect', 'a', 'b', 'c']];
  for (const c of cases) {
    test(c.join(' '), async () => {
      const [ref, got] = [await etcdctl([ep(), ...c]), await ours([ep(), ...c])];
      assert.deepEqual(errorLines(got.stderr), errorLines(ref.stderr));
      assert.equal(got.code, ref.code);
    });
  }
});
