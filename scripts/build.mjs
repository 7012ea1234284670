// Bundles the CLI into one file and precompiles it into a V8 code cache, so
// a command starts without resolving or compiling hundreds of modules. The
// completion entry point gets a bundle of its own, with the command tree
// compiled in as data, so completing a command or flag loads no command.
import { build } from 'esbuild';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import Module from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const common = { bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'warning' };
rmSync(join(root, 'build'), { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

function codeCache(file) {
  const script = new vm.Script(Module.wrap(readFileSync(file, 'utf8')), { filename: file });
  writeFileSync(file.replace(/\.js$/, '.cache'), script.createCachedData());
}

// commander loads child_process at start-up only for executable
// subcommands, which etcdctl-ts has none of: load it on first use instead.
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(b) {
    b.onLoad({ filter: /[\\/]commander[\\/]lib[\\/]command\.js$/ }, (args) => {
      const line = "const childProcess = require('node:child_process');";
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes(line)) throw new Error(`${args.path}: commander no longer loads child_process as expected; update ${fileURLToPath(import.meta.url)}`);
      return { contents: text.replace(line, "const childProcess = { spawn: (...a) => require('node:child_process').spawn(...a) };"), loader: 'js' };
    });
  },
};

const main = join(dist, 'etcdctl-ts.js');
await build({ ...common, entryPoints: [join(root, 'src', 'main.ts')], outfile: main, minify: true, legalComments: 'none', plugins: [lazyChildProcess] });

const dump = join(root, 'build', 'dump.js');
await build({ ...common, entryPoints: [join(root, 'src', 'complete', 'dump.ts')], outfile: dump });
const spec = execFileSync(process.execPath, [dump], { encoding: 'utf8' });
const complete = join(dist, 'complete.js');
await build({ ...common, entryPoints: [join(root, 'src', 'complete', 'main.ts')], outfile: complete, minify: true, legalComments: 'none', define: { __SPEC__: spec } });

if (process.argv.includes('--tests')) {
  const tests = readdirSync(join(root, 'test'), { recursive: true }).filter((f) => f.endsWith('.test.ts'));
  await build({ ...common, entryPoints: tests.map((f) => join(root, 'test', f)), outdir: join(root, 'build', 'test'), outbase: join(root, 'test') });
}
// The bundles run under vm.Script, where a real import() throws; esbuild
// leaves one in place for a builtin loaded with import() (use require).
for (const f of [main, complete]) {
  if (/[^\w.]import\(/.test(readFileSync(f, 'utf8'))) throw new Error(`${f}: a dynamic import() survived bundling`);
}
codeCache(main);
codeCache(complete);
// Then warm both caches with a typical run each: argument parsing, the
// client up to a (missing, local) socket, the completion tree walk.
const warm = (file, args) => spawnSync(process.execPath, [join(root, 'bin', 'etcdctl-ts.js'), ...args], { env: { ...process.env, ETCDCTL_TS_WARM_CACHE: file }, stdio: 'ignore' });
warm(main, ['--endpoints=unix:///nonexistent/etcdctl-ts-warm-up.sock', '--dial-timeout=50ms', '--command-timeout=50ms', 'get', 'warm-up', '--prefix', '-w', 'json']);
warm(complete, ['__complete', 'get', '--w']);
