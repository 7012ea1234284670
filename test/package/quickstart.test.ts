// The README's first command, as a new user runs it: it must print the
// session shown in the README and exit 0.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { exec, ROOT } from '../harness/cli.js';

test('bash scripts/quickstart.sh prints the README session and exits 0', async () => {
  const r = await exec('bash', [join(ROOT, 'scripts', 'quickstart.sh')], { timeoutMs: 120000 });
  assert.equal(r.code, 0, r.stderr);
  // The README shows the same transcript; only the IDs differ per run.
  const ids = (s: string) => s.replace(/"cluster_id":\d+,"member_id":\d+/, '"cluster_id":N,"member_id":N');
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const shown = /What the first command prints at the end[^\n]*\n\n```\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(shown, 'the README shows the quick start transcript');
  assert.equal(ids(r.stdout.toString()), ids(shown));
});
