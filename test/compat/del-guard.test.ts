// Guardrails on del: --dry-run deletes nothing and counts right; on a real
// pseudo-terminal a whole-keyspace or large deletion asks first; on a pipe
// del deletes exactly as etcdctl does.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { errorLines, etcdctl, OURS, ours } from '../harness/cli.js';
import { onTerminal } from '../harness/tty.js';
import { useEtcd } from '../harness/etcd.js';

const srv = useEtcd();
const at = () => `--endpoints=${srv().endpoint}`;

async function fill(prefix: string, n: number): Promise<void> {
  for (let i = 0; i < n; i += 100) {
    const ops = Array.from({ length: Math.min(100, n - i) }, (_, j) => `put ${prefix}${String(i + j).padStart(5, '0')} v`);
    assert.equal((await etcdctl([at(), 'txn'], { stdin: `\n${ops.join('\n')}\n\n\n` })).code, 0);
  }
}

const count = async (prefix: string) => (await etcdctl([at(), 'get', prefix, '--prefix', '--keys-only'])).stdout.toString().split('\n').filter(Boolean).length;

// etcdctl-ts on a terminal, answering its question with `answer`.
const asked = (args: string[], answer: string) => onTerminal([process.execPath, OURS, ...args], { prompts: [{ at: /\[y\/N\] /, answer }] });

describe('del --dry-run', () => {
  test('counts what would go, shows the first ten, deletes nothing', async () => {
    await fill('dry/', 25);
    const r = await ours([at(), 'del', 'dry/', '--prefix', '--dry-run']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.toString().split('\n');
    assert.equal(lines[0], '25 keys would be deleted (dry run: nothing was deleted)');
    assert.deepEqual(
      lines.slice(1, 11),
      Array.from({ length: 10 }, (_, i) => `dry/${String(i).padStart(5, '0')}`),
    );
    assert.equal(lines[11], '… and 15 more');
    const j = JSON.parse((await ours([at(), 'del', 'dry/00003', 'dry/00007', '--dry-run', '-w', 'json'])).stdout.toString()) as {
      count: number;
      first: { key: string }[];
    };
    assert.equal(j.count, 4);
    assert.deepEqual(
      j.first.map((k) => k.key),
      ['dry/00003', 'dry/00004', 'dry/00005', 'dry/00006'],
    );
    // Formats it has no report in are refused, not answered with the human text.
    for (const format of ['fields', 'protobuf', 'table']) {
      const x = await ours([at(), 'del', 'dry/', '--prefix', '--dry-run', '-w', format]);
      assert.deepEqual(
        [x.code, x.stdout.toString(), errorLines(x.stderr)],
        [4, '', [`Error: ${format} not supported as output format with --dry-run (it writes simple and json)`]],
      );
    }
    assert.equal(await count('dry/'), 25);
  });
});

describe('confirmation on a terminal', () => {
  test('the whole keyspace: "n" deletes nothing, "y" deletes', async () => {
    await fill('all/', 5);
    const before = await count('');
    const no = await asked([at(), 'del', '', '--prefix'], 'n');
    assert.match(no.out, /This deletes \d+ keys, the whole keyspace \(first: .*\)\. Delete them\? \[y\/N\] /);
    assert.match(no.out, /Error: nothing deleted: \d+ keys, the whole keyspace not confirmed/);
    assert.equal(no.code, 1);
    assert.equal(await count(''), before);
    const yes = await asked([at(), 'del', '', '--from-key'], 'y');
    assert.equal(yes.code, 0, yes.out);
    assert.match(yes.out, new RegExp(`\\n${before}\\r?\\n$`));
    assert.equal(await count(''), 0);
  });

  test('more than 1000 keys asks; 1000 or fewer, or --yes, does not', async () => {
    await fill('big/', 1001);
    await fill('small/', 1000);
    const small = await asked([at(), 'del', 'small/', '--prefix'], 'n');
    assert.equal(small.code, 0, small.out);
    assert.doesNotMatch(small.out, /\[y\/N\]/);
    const big = await asked([at(), 'del', 'big/', '--prefix'], 'no');
    assert.match(big.out, /This deletes 1001 keys \(first: big\/00000, /);
    assert.equal(await count('big/'), 1001);
    const forced = await asked([at(), 'del', 'big/', '--prefix', '--yes'], 'n');
    assert.doesNotMatch(forced.out, /\[y\/N\]/);
    assert.equal(await count('big/'), 0);
  });

  test('on a pipe, del deletes the whole keyspace at once, as etcdctl does', async () => {
    await fill('pipe/', 3);
    const r = await ours([at(), 'del', '', '--prefix']);
    assert.equal(r.code, 0);
    assert.deepEqual(errorLines(r.stderr), []);
    assert.equal(r.stdout.toString(), '3\n');
    assert.equal(await count(''), 0);
  });
});
