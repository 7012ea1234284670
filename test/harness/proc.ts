// Long-running CLI processes driven by what they print, never by sleeps.
import { spawn, type ChildProcess } from 'node:child_process';
import { OURS } from './cli.js';

export interface Running {
  child: ChildProcess;
  out(): string;
  err(): string;
  // Resolves once stdout contains `text`; rejects if the process exits first.
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<void>;
  exited: Promise<number>;
  stop(signal?: NodeJS.Signals): Promise<number>;
}

export function start(bin: string, args: string[], env: Record<string, string> = {}): Running {
  const [file, argv] = bin === OURS ? [process.execPath, [OURS, ...args]] : [bin, args];
  const child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    for (const l of listeners) l();
  });
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number>((resolve) => child.on('exit', (code, sig) => resolve(code ?? (sig === 'SIGINT' ? 130 : 143))));
  const has = (t: string | RegExp) => (typeof t === 'string' ? out.includes(t) : t.test(out));
  return {
    child,
    out: () => out,
    err: () => err,
    exited,
    waitFor: (text, timeoutMs = 15000) =>
      new Promise<void>((resolve, reject) => {
        if (has(text)) return resolve();
        const timer = setTimeout(() => done(new Error(`no ${text} in ${JSON.stringify(out)}; stderr ${err}`)), timeoutMs);
        const check = () => has(text) && done();
        const done = (e?: Error) => {
          clearTimeout(timer);
          listeners.delete(check);
          if (e) reject(e);
          else resolve();
        };
        listeners.add(check);
        void exited.then((code) => done(has(text) ? undefined : new Error(`exited ${code} before ${text}: ${JSON.stringify(out)} ${err}`)));
      }),
    stop: (signal = 'SIGINT') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
