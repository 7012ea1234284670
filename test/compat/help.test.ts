// Help text against the reference etcdctl, for every command it lists:
// NAME, USAGE and COMMANDS byte for byte, a DESCRIPTION wherever etcdctl
// has one, and every flag it shows present in ours (descriptions are
// etcdctl-ts's own wording).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { errorLines, etcdctl, exec, ours } from '../harness/cli.js';
import { SERVERS } from '../harness/versions.js';

type Sections = Map<string, string>;

function sections(text: string): Sections {
  const out = new Map<string, string>();
  let name = '';
  for (const line of text.split('\n')) {
    if (/^[A-Z][A-Z ]+:$/.test(line)) name = line;
    else out.set(name, `${(out.get(name) ?? '') + line}\n`);
  }
  return out;
}

const flagNames = (s: string | undefined) =>
  (s ?? '')
    .split('\n')
    .map((l) => /^ {2}(?:-\w, )?\s*(--[\w-]+)/.exec(l)?.[1])
    .filter((n): n is string => n !== undefined);

// etcdctl 3.4.23 lists cobra's own completion subcommands and v2 `migrate`;
// etcdctl-ts has one `completion` command, 3.5's `auth status`, 3.6's `downgrade`, 3.7's `options`, `k8s`, `snapshot list` and `snapshot hashkv`.
const ONLY_THEIRS = /^\t(completion (bash|fish|powershell|zsh)|migrate)\t/;
const ONLY_OURS =
  /^\t(?:(completion|auth status|status)\t+(Generate completion script|Returns authentication status)|k8s(?: (?:get|ls|usage|watch|diff))?\t+\S.*|(?:snapshot )?list\t+Lists and verifies the snapshot files in a directory \(etcdctl-ts\)|options\t+Show the global command-line flags|downgrade (?:cancel|enable|validate)\t+\S.*|(?:snapshot )?hashkv\t+Prints the KV history hash of a snapshot or db file \(etcdutl 3\.6\))$/;

async function compare(args: string[]): Promise<void> {
  const [ref, got] = await Promise.all([etcdctl(args), ours(args)]);
  const label = args.join(' ');
  assert.equal(got.code, 0, label);
  assert.equal(got.code, ref.code, label);
  assert.equal(got.stderr, ref.stderr, label);
  const [a, b] = [sections(ref.stdout.toString()), sections(got.stdout.toString())];
  for (const s of ['', 'NAME:', 'USAGE:', 'VERSION:', 'API VERSION:']) assert.equal(b.get(s), a.get(s), `${label}: ${s}`);
  if (a.has('DESCRIPTION:')) assert.ok(b.has('DESCRIPTION:'), `${label}: no DESCRIPTION`);
  const cmds = (t: string | undefined) => (t ?? '').split('\n');
  assert.deepEqual(
    cmds(b.get('COMMANDS:')).filter((l) => !ONLY_OURS.test(l)),
    cmds(a.get('COMMANDS:')).filter((l) => !ONLY_THEIRS.test(l)),
    `${label}: COMMANDS`,
  );
  for (const s of ['OPTIONS:', 'GLOBAL OPTIONS:']) {
    const mine = new Set(flagNames(b.get(s)));
    for (const f of flagNames(a.get(s))) assert.ok(mine.has(f), `${label}: ${s} lacks ${f}`);
  }
}

describe('help as etcdctl prints it', () => {
  test('every command etcdctl lists, through --help and through `help`', async () => {
    const root = (await etcdctl(['--help'])).stdout.toString();
    const paths = [...root.matchAll(/^\t([a-z-]+(?: [a-z-]+)?)\t/gm)].map((m) => m[1]!.split(' ')).filter((p) => !['completion', 'migrate'].includes(p[0]!));
    assert.ok(paths.length > 40, root);
    await compare(['--help']);
    await compare(['help']);
    for (const p of paths) {
      await compare([...p, '--help']);
      if (p.length > 1) await compare([p[0]!, '--help']);
    }
    for (const p of [['get'], ['member', 'list'], ['snapshot', 'restore'], ['member', 'foo']]) await compare(['help', ...p]);
  });

  test('help is never suggested for a mistyped command', async () => {
    const [ref, got] = await Promise.all([etcdctl(['helpx']), ours(['helpx'])]);
    assert.equal(got.stderr, 'Error: unknown command "helpx" for "etcdctl"\nRun \'etcdctl --help\' for usage.\n');
    assert.equal(errorLines(ref.stderr)[0], errorLines(got.stderr)[0]);
    assert.deepEqual([got.code, ref.code], [1, 1]);
  });

  test('an unknown help topic', async () => {
    const [ref, got] = await Promise.all([etcdctl(['help', 'foo']), ours(['help', 'foo'])]);
    assert.equal(got.stderr, 'Unknown help topic [`foo`]\n');
    assert.equal(got.stderr, ref.stderr);
    assert.equal(got.code, 0);
    assert.equal(ref.code, 0);
    assert.match(got.stdout.toString(), /^NAME:\n\tetcdctl - /);
  });

  test("options lists the global flags in etcdctl 3.7's layout", async () => {
    const [ref, got] = await Promise.all([exec(SERVERS['3.7'].etcdctl, ['options']), ours(['options'])]);
    assert.equal(got.code, 0);
    const [a, b] = [ref.stdout.toString().split('\n'), got.stdout.toString().split('\n')];
    assert.deepEqual(b.slice(0, 2), ['The following options can be passed to any command:', '']);
    assert.equal(b.length, a.length);
    // Flag, type and the column where descriptions start are etcdctl's (the
    // byte limits take no negative number here); the wording is ours.
    const lead = (l: string) => l.slice(0, 37).replace(/ uint( +)$/, ' int $1');
    assert.deepEqual(b.map(lead), a.map(lead));
    for (const l of b.slice(2, -1)) assert.match(l, /^.{36} \S/);
    assert.match(got.stdout.toString(), /^ {6}--endpoints strings {12}gRPC endpoints \(default \[127\.0\.0\.1:2379\]\)$/m);
    assert.match(got.stdout.toString(), /^ {2}-w, --write-out string {13}.* \(default "simple"\)$/m);
  });
});
