// check perf and check datascale against a real server: the result lines
// etcdctl prints, clean-up of the check's keys, compaction and
// defragmentation on request, and a spinner only on a terminal.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { errorLines, etcdctl, OURS, ours } from '../harness/cli.js';
import { onTerminal } from '../harness/tty.js';
import { useEtcd } from '../harness/etcd.js';
import { EDGES_ONLY, onEdge } from '../harness/servers.js';

const srv = useEtcd();
const ep = () => `--endpoints=${srv().endpoint}`;

const count = async (prefix: string) => (await etcdctl([ep(), 'get', prefix, '--prefix', '--keys-only'])).stdout.toString().split('\n').filter(Boolean).length;

// etcdctl's progress bar (carriage-return frames) and the numbers that differ run to run.
const skeleton = (s: string) =>
  s
    .replace(/\r[^\n]*?(\n|(?=[A-Z]))/g, '$1')
    .replace(/revision \d+/g, 'revision N')
    .replace(/: -?\d+\.\d\d MB\./, ': X MB.')
    .replace(/\n+/g, '\n');

describe(`check datascale${onEdge() ? '' : ` (${EDGES_ONLY})`}`, { skip: !onEdge() && EDGES_ONLY }, () => {
  test('same lines as etcdctl, keys removed, compacted and defragmented', async () => {
    const args = [ep(), 'check', 'datascale', '--auto-compact', '--auto-defrag'];
    const ref = await etcdctl(args, { timeoutMs: 120000 });
    const got = await ours(args, { timeoutMs: 120000 });
    assert.equal(got.code, 0, got.stderr);
    assert.equal(ref.code, 0);
    assert.equal(skeleton(got.stdout.toString()), skeleton(ref.stdout.toString()));
    assert.match(
      got.stdout.toString(),
      new RegExp(
        `^Start data scale check for work load \\[10000 key-value pairs, 1024 bytes per key-value, 50 concurrent clients\\]\\.\nCompacting with revision (\\d+)\nCompacted with revision \\1\nDefragmenting "${srv().endpoint}"\nDefragmented "${srv().endpoint}"\nPASS: Approximate system memory used : -?\\d+\\.\\d\\d MB\\.\n$`,
      ),
    );
    assert.equal(got.stderr, '');
    assert.equal(await count('/etcdctl-check-datascale/'), 0);
    const rev = /Compacted with revision (\d+)/.exec(got.stdout.toString())![1]!;
    const old = await etcdctl([ep(), 'get', 'x', `--rev=${Number(rev) - 1}`]);
    assert.deepEqual(errorLines(old.stderr), ['Error: etcdserver: mvcc: required revision has been compacted']);
  });

  test('a spinner on a terminal, on stderr, without colour under NO_COLOR', async () => {
    const run = async (env: Record<string, string>) => {
      const { code, out } = await onTerminal([process.execPath, OURS, ep(), 'check', 'datascale', '--prefix=/tty/'], { env, cols: 100 });
      assert.equal(code, 0, out.slice(0, 2000));
      return out;
    };
    const { CI: _ci, NO_COLOR: _nc, ...base } = process.env;
    const coloured = await run(base as Record<string, string>);
    assert.match(coloured, /\x1b\[36m[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]\x1b\[39m \d+ \/ 10000/);
    assert.match(coloured, /PASS: Approximate system memory used/);
    const plain = await run({ ...(base as Record<string, string>), NO_COLOR: '1' });
    assert.match(plain, /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] \d+ \/ 10000/);
    assert.doesNotMatch(plain, /\x1b\[3\dm/);
    // A CI job's log on a terminal gets the plain lines, no spinner and no stand-in line.
    const ci = await run({ ...(base as Record<string, string>), CI: 'true' });
    assert.doesNotMatch(ci, /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]|\d+ \/ 10000/);
    assert.match(ci, /^Start data scale check[^\n]*\r\nPASS: Approximate system memory used : -?\d+\.\d\d MB\.\r\n$/);
  });
});

describe(`check perf${onEdge() ? '' : ` (${EDGES_ONLY})`}`, { skip: !onEdge() && EDGES_ONLY }, () => {
  test("a 60 s load: etcdctl's result lines, exit code by verdict, keys removed", async () => {
    const got = await ours([ep(), 'check', 'perf', '--prefix=/perf/', '--auto-compact'], { timeoutMs: 150000 });
    const out = got.stdout.toString();
    const m = new RegExp(
      '^(?:FAIL: too many errors\n(?:FAIL: ERROR\\(.*\\) -> \\d+\n)+)?Compacting with revision (\\d+)\nCompacted with revision \\1\n' +
        '(PASS: Throughput is|FAIL: Throughput too low:) (\\d+) writes/s\n' +
        '(PASS: Slowest request took|Slowest request took too long:) (\\d+\\.\\d{6})s\n' +
        '(PASS: Stddev is|Stddev too high:) (\\d+\\.\\d{6})s\n(PASS|FAIL)\n$',
    ).exec(out);
    assert.ok(m, out);
    const [, , tp, writes, slow, slowest, sd, stddev, verdict] = m;
    // Each line's verdict agrees with its number, and the last with them all.
    // The line shows int(rate) + 1; the verdict is on rate / 150 > 0.9.
    assert.ok(tp!.startsWith('PASS') ? Number(writes) >= 136 : Number(writes) <= 136, out);
    assert.equal(slow!.startsWith('PASS'), Number(slowest) <= 0.5, out);
    assert.equal(sd!.startsWith('PASS'), Number(stddev) <= 0.1, out);
    const pass = !out.startsWith('FAIL') && [tp, slow, sd].every((l) => l!.startsWith('PASS'));
    assert.equal(verdict, pass ? 'PASS' : 'FAIL');
    assert.equal(got.code, pass ? 0 : 1);
    // The load really ran: about 150 writes a second for a minute.
    assert.ok(Number(writes) > 60 && Number(writes) <= 152, out);
    assert.equal(await count('/perf/'), 0);
  });
});

describe('refusals, as etcdctl', () => {
  test('an unknown load and a prefix that has keys', async () => {
    await etcdctl([ep(), 'put', '/used/x', '1']);
    for (const sub of ['perf', 'datascale']) {
      for (const args of [
        [ep(), 'check', sub, '--load=bogus'],
        [ep(), 'check', sub, '--prefix=/used/'],
      ]) {
        const [ref, got] = await Promise.all([etcdctl(args), ours(args)]);
        assert.deepEqual(errorLines(got.stderr), errorLines(ref.stderr), args.join(' '));
        assert.equal(got.code, ref.code);
        assert.equal(got.stdout.toString(), ref.stdout.toString());
      }
    }
    assert.equal(await count('/used/'), 1);
  });
});
