// npm run package: dist/etcdctl-ts-linux-x64, one executable with no Node.js
// or node_modules needed beside it. It is this machine's Node binary with a
// single-executable-application blob injected: src/sea/entry.cjs as the main
// script and the built bundles and their warmed code caches as assets.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const work = join(root, 'build', 'sea');
const out = join(dist, `etcdctl-ts-${process.platform}-${process.arch}`);
mkdirSync(work, { recursive: true });

const assets = Object.fromEntries(['etcdctl-ts.js', 'etcdctl-ts.cache', 'complete.js', 'complete.cache'].map((f) => [f, join(dist, f)]));
const config = join(work, 'sea-config.json');
const blob = join(work, 'sea-prep.blob');
writeFileSync(
  config,
  JSON.stringify({
    main: join(root, 'src', 'sea', 'entry.cjs'),
    output: blob,
    disableExperimentalSEAWarning: true,
    useCodeCache: false,
    useSnapshot: false,
    assets,
  }),
);
execFileSync(process.execPath, ['--experimental-sea-config', config], { stdio: ['ignore', 'ignore', 'inherit'] });

// Built under a temporary name, so a failed run never leaves a broken executable.
const part = `${out}.part`;
rmSync(part, { force: true });
copyFileSync(process.execPath, part);
chmodSync(part, 0o755);
try {
  // postject's ELF library warns about every note section it cannot name:
  // its output is shown only when it fails.
  const cli = createRequire(import.meta.url).resolve('postject/dist/cli.js');
  const r = spawnSync(process.execPath, [cli, part, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`postject failed (${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
  const v = execFileSync(part, ['version'], { encoding: 'utf8' });
  if (!v.startsWith('etcdctl version:')) throw new Error(`the executable printed ${JSON.stringify(v)} for 'version'`);
  renameSync(part, out);
} catch (e) {
  rmSync(part, { force: true });
  throw e;
}
process.stdout.write(`${out}\n`);
