// Bundles the CLI into one file and precompiles it into a V8 code cache, so
// a command starts without resolving or compiling hundreds of modules.
import { build } from 'esbuild';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import Module from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'etcdctl-ts.js');
rmSync(join(root, 'build'), { recursive: true, force: true });
mkdirSync(dirname(out), { recursive: true });
await build({
  entryPoints: [join(root, 'src', 'main.ts')],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outfile: out,
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
});
if (process.argv.includes('--tests')) {
  const tests = readdirSync(join(root, 'test'), { recursive: true }).filter((f) => f.endsWith('.test.ts'));
  await build({
    entryPoints: tests.map((f) => join(root, 'test', f)),
    outdir: join(root, 'build', 'test'),
    outbase: join(root, 'test'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'warning',
  });
}
const src = readFileSync(out, 'utf8');
const script = new vm.Script(Module.wrap(src), { filename: out });
writeFileSync(join(root, 'dist', 'etcdctl-ts.cache'), script.createCachedData());
