// Runs etcdctl-ts and the reference etcdctl as a user would.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

function projectRoot(dir: string): string {
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
}

// Tests run from a bundle under build/, so find the project by its package.json.
export const ROOT = projectRoot(__dirname);
export const OURS = join(ROOT, 'bin', 'etcdctl-ts.js');
export const ETCDCTL = process.env.ETCDCTL_BIN ?? 'etcdctl';

export interface Result {
  code: number;
  stdout: Buffer;
  stderr: string;
}

export interface RunOptions {
  stdin?: string | Buffer;
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
}

// Live completion's time bound is long here, so that answers do not hang
// on how busy the machine is; tests of the bound itself set it back ('').
export const COMPLETE_TIMEOUT = { ETCDCTL_TS_COMPLETE_TIMEOUT: '20s' };

// `own`: for etcdctl-ts, which alone reads ETCDCTL_TS_* (etcdctl warns of them).
function cleanEnv(extra: Record<string, string | undefined> = {}, own = true): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = own ? { ...COMPLETE_TIMEOUT } : {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('ETCDCTL_')) env[k] = v;
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

export function exec(cmd: string, args: string[], o: RunOptions = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const [file, argv] = cmd === OURS ? [process.execPath, [OURS, ...args]] : [cmd, args];
    const child = spawn(file, argv, { env: cleanEnv(o.env, cmd === OURS), stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 30000);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 + 9 : -1), stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(o.stdin ?? '');
  });
}

export const ours = (args: string[], o?: RunOptions) => exec(OURS, args, o);

// Runs etcdctl-ts with a slow reader: once its first bytes arrive, reading
// stops (the pipe fills and the command blocks on it) until `between` has run.
export function heldBack(args: string[], env: Record<string, string>, between: () => Promise<void>): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [OURS, ...args], { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    let held = false;
    child.stdout.on('data', (d: Buffer) => {
      out.push(d);
      if (held) return;
      held = true;
      child.stdout.pause();
      between().then(
        () => child.stdout.resume(),
        (e: unknown) => {
          child.kill();
          reject(e);
        },
      );
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out), stderr: err }));
  });
}
export const etcdctl = (args: string[], o?: RunOptions) => exec(ETCDCTL, args, o);

// A shell command line that runs `cmd` with arguments that may hold any
// byte but NUL: Node's spawn would send strings as UTF-8, so the shell
// builds each Buffer argument with printf.
export function rawCommand(cmd: string, args: (string | Buffer)[]): string[] {
  const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const lines: string[] = [];
  const words = (cmd === OURS ? [process.execPath, OURS] : [cmd]).map(sq);
  args.forEach((a, i) => {
    if (typeof a === 'string') {
      words.push(sq(a));
      return;
    }
    // A trailing x keeps trailing newlines through $(…).
    lines.push(`a${i}=$(printf '${[...a].map((b) => `\\${b.toString(8).padStart(3, '0')}`).join('')}x'); a${i}=\${a${i}%x}`);
    words.push(`"$a${i}"`);
  });
  lines.push(`exec ${words.join(' ')}`);
  return ['-c', lines.join('\n')];
}

export const execRaw = (cmd: string, args: (string | Buffer)[], o: RunOptions = {}) => exec('sh', rawCommand(cmd, args), o);

// The `Error: …` lines of stderr (etcdctl also logs JSON warnings there).
export function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.startsWith('Error:'));
}
