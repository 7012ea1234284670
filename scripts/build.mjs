// Bundles the CLI into one file and precompiles it into a V8 code cache, so
// a command starts without resolving or compiling hundreds of modules. The
// completion entry point gets a bundle of its own, with the command tree
// compiled in as data, so completing a command or flag loads no command.
import { build } from 'esbuild';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import Module from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
// The completion scripts, by file name, for `completion bash|zsh|fish`.
const scripts = Object.fromEntries(readdirSync(join(root, 'completions')).map((f) => [f, readFileSync(join(root, 'completions', f), 'utf8')]));
const common = { bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'warning', define: { __COMPLETIONS__: JSON.stringify(scripts) } };
rmSync(join(root, 'build'), { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

function codeCache(file) {
  const script = new vm.Script(Module.wrap(readFileSync(file, 'utf8')), { filename: file });
  writeFileSync(file.replace(/\.js$/, '.cache'), script.createCachedData());
}

const main = join(dist, 'etcdctl-ts.js');
await build({ ...common, entryPoints: [join(root, 'src', 'main.ts')], outfile: main, minify: true, legalComments: 'none' });

const dump = join(root, 'build', 'dump.js');
await build({ ...common, entryPoints: [join(root, 'src', 'complete', 'dump.ts')], outfile: dump });
const spec = execFileSync(process.execPath, [dump], { encoding: 'utf8' });
const complete = join(dist, 'complete.js');
await build({
  ...common,
  entryPoints: [join(root, 'src', 'complete', 'main.ts')],
  outfile: complete,
  minify: true,
  legalComments: 'none',
  define: { ...common.define, __SPEC__: spec },
});

if (process.argv.includes('--tests')) await buildTests();

// Test files that start etcd servers run once per server version: each is
// bundled behind an entry that picks the version, then registers the file's
// tests inside a suite named after it (build/test/etcd-3.x/...). The others
// are bundled as they are (build/test/...).
async function buildTests() {
  const testDir = join(root, 'test');
  const tests = readdirSync(testDir, { recursive: true }).filter((f) => f.endsWith('.test.ts'));
  const out = join(root, 'build', 'test');
  const harness = join('test', 'harness', 'servers.ts');
  const probe = await build({ ...common, entryPoints: tests.map((f) => join(testDir, f)), outdir: out, outbase: testDir, metafile: true });
  const serverTests = new Set();
  for (const [file, o] of Object.entries(probe.metafile.outputs)) {
    if (!Object.keys(o.inputs).includes(harness)) continue;
    rmSync(join(root, file));
    serverTests.add(relative(out, join(root, file)).replace(/\.js$/, '.ts'));
  }
  const entry = (minor, f) =>
    `const { describe } = require('node:test');\n` +
    `const server = require(${JSON.stringify(join(root, harness))}).useServer(${JSON.stringify(minor)});\n` +
    `describe('etcd ' + server.version, () => { require(${JSON.stringify(join(testDir, f))}); });\n`;
  for (const minor of ['3.4', '3.5', '3.6', '3.7']) {
    await Promise.all(
      [...serverTests].map((f) =>
        build({
          ...common,
          stdin: { contents: entry(minor, f), resolveDir: root, sourcefile: f },
          outfile: join(out, `etcd-${minor}`, f.replace(/\.ts$/, '.js')),
        }),
      ),
    );
  }
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
const warm = (file, args) =>
  spawnSync(process.execPath, [join(root, 'bin', 'etcdctl-ts.js'), ...args], { env: { ...process.env, ETCDCTL_TS_WARM_CACHE: file }, stdio: 'ignore' });
warm(main, [
  '--endpoints=unix:///nonexistent/etcdctl-ts-warm-up.sock',
  '--dial-timeout=50ms',
  '--command-timeout=50ms',
  'get',
  'warm-up',
  '--prefix',
  '-w',
  'json',
]);
warm(complete, ['__complete', 'get', '--w']);
