// lease commands against etcdctl on one server, in every format.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { before, describe, test } from 'node:test';
import { errorLines, etcdctl, OURS, ours } from '../harness/cli.js';
import { useEtcd } from '../harness/etcd.js';

const srv = useEtcd();
const ep = () => `--endpoints=${srv().endpoint}`;
const FORMATS = ['simple', 'json', 'fields', 'protobuf', 'table'];

async function grant(ttl: number): Promise<string> {
  const r = await etcdctl([ep(), 'lease', 'grant', String(ttl)]);
  assert.equal(r.code, 0, r.stderr);
  return /lease ([0-9a-f]{16}) granted/.exec(r.stdout.toString())![1]!;
}

// Remaining TTLs can tick between the two runs.
const maskTtl = (s: string) =>
  s
    .replace(/remaining\(\d+s\)/g, 'remaining(Ns)')
    .replace(/"ttl":\d+/g, '"ttl":N')
    .replace(/"TTL" : \d+/g, '"TTL" : N');

async function same(args: string[], norm = (s: string) => s): Promise<void> {
  const full = [ep(), ...args];
  const ref = await etcdctl(full);
  const got = await ours(full);
  assert.equal(norm(got.stdout.toString('latin1')), norm(ref.stdout.toString('latin1')), `stdout of ${args.join(' ')}`);
  assert.deepEqual(errorLines(got.stderr), errorLines(ref.stderr), `Error lines of ${args.join(' ')}: ${got.stderr}`);
  assert.equal(got.code, ref.code, `exit code of ${args.join(' ')}`);
}

describe('lease, every format', () => {
  let id: string;
  before(async () => {
    id = await grant(1000);
    // One key: the server lists a lease's keys in Go map order, which
    // differs between calls.
    assert.equal((await etcdctl([ep(), 'put', 'lk1', 'v', `--lease=${id}`])).code, 0);
  });

  test('timetolive --keys lists every attached key', async () => {
    const two = await grant(1000);
    for (const k of ['lk2', 'lk3']) assert.equal((await etcdctl([ep(), 'put', k, 'v', `--lease=${two}`])).code, 0);
    const r = await ours([ep(), 'lease', 'timetolive', '--keys', two]);
    assert.match(
      r.stdout.toString(),
      new RegExp(`^lease ${two} granted with TTL\\(1000s\\), remaining\\(\\d+s\\), attached keys\\(\\[(lk2 lk3|lk3 lk2)\\]\\)\n$`),
    );
  });

  for (const w of FORMATS) {
    test(`grant -w ${w}`, async () => {
      // Each grant makes a new lease: compare with the IDs masked.
      const ref = await etcdctl([ep(), 'lease', 'grant', '100', '-w', w]);
      const got = await ours([ep(), 'lease', 'grant', '100', '-w', w]);
      const norm = (s: string) =>
        s
          .replace(/"ID":\d+/, '"ID":N')
          .replace(/"ID" : \d+/, '"ID" : N')
          .replace(/"revision":\d+/, '')
          .replace(/"Revision" : \d+/, '')
          .replace(/\b[0-9a-f]{16}\b/g, 'ID');
      assert.equal(got.code, ref.code);
      assert.deepEqual(errorLines(got.stderr), errorLines(ref.stderr));
      if (w !== 'protobuf') assert.equal(norm(got.stdout.toString()), norm(ref.stdout.toString()));
      else assert.equal(got.stdout.length, ref.stdout.length);
    });
    test(`timetolive -w ${w}`, () => same(['lease', 'timetolive', id, '-w', w], maskTtl));
    test(`timetolive --keys -w ${w}`, () => same(['lease', 'timetolive', '--keys', id, '-w', w], maskTtl));
    test(`timetolive of an unknown lease -w ${w}`, () => same(['lease', 'timetolive', '123456', '-w', w]));
    test(`list -w ${w}`, () => same(['lease', 'list', '-w', w]));
    test(`keep-alive --once -w ${w}`, () => same(['lease', 'keep-alive', '--once', id, '-w', w]));
    test(`revoke -w ${w}`, async () => {
      const [a, b] = [await grant(100), await grant(100)];
      const ref = await etcdctl([ep(), 'lease', 'revoke', a, '-w', w]);
      const got = await ours([ep(), 'lease', 'revoke', b, '-w', w]);
      assert.equal(
        got.stdout
          .toString()
          .replaceAll(b, 'ID')
          .replace(/"revision":\d+/, ''),
        ref.stdout
          .toString()
          .replaceAll(a, 'ID')
          .replace(/"revision":\d+/, ''),
      );
      assert.equal(got.code, ref.code);
      const norm = (s: string) => errorLines(s).map((l) => l.replace(/revision:\d+/, ''));
      assert.deepEqual(norm(got.stderr), norm(ref.stderr));
      assert.match((await etcdctl([ep(), 'lease', 'timetolive', b])).stdout.toString(), /already expired/);
    });
  }
});

describe('lease errors', () => {
  const cases = [
    ['lease', 'grant'],
    ['lease', 'grant', 'abc'],
    ['lease', 'grant', '1', '2'],
    ['lease', 'revoke'],
    ['lease', 'revoke', 'zz'],
    ['lease', 'revoke', '1234'],
    ['lease', 'timetolive'],
    ['lease', 'timetolive', 'xyz'],
    ['lease', 'keep-alive'],
    ['lease', 'keep-alive', 'q'],
    ['lease', 'keep-alive', '--once', '1234'],
  ];
  for (const c of cases) test(c.join(' '), () => same(c));
});

describe('lease keep-alive', () => {
  test('renews every TTL/3 seconds and ends when the lease is revoked', async () => {
    const id = await grant(3);
    const child = spawn(process.execPath, [OURS, ep(), 'lease', 'keep-alive', id], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const lines = () => out.split('\n').filter((l) => l === `lease ${id} keepalived with TTL(3)`).length;
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (lines() >= 3) resolve();
      });
    });
    // Three renewals took more than the lease's own TTL: it was kept alive.
    assert.match((await etcdctl([ep(), 'lease', 'timetolive', id])).stdout.toString(), /granted with TTL\(3s\)/);
    assert.equal((await etcdctl([ep(), 'lease', 'revoke', id])).code, 0);
    assert.equal(await exited, 0);
    assert.ok(out.endsWith(`lease ${id} expired or revoked.\n`), out);
  });

  test('SIGINT ends it with 130, as the signal does to etcdctl', async () => {
    const id = await grant(30);
    const child = spawn(process.execPath, [OURS, ep(), 'lease', 'keep-alive', id], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.kill('SIGINT');
    assert.equal(await exited, 130);
  });
});
