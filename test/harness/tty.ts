// Runs a command on a pseudo-terminal (util-linux's script), so that its
// stdin, stdout and stderr are terminals, and answers its prompts: each
// time the output shows one more match of a prompt, its answer is typed.
import { spawn } from 'node:child_process';

export interface TerminalRun {
  code: number;
  // stdout and stderr together, as the terminal shows them (\r\n lines).
  out: string;
}

export interface TerminalOptions {
  env?: NodeJS.ProcessEnv;
  // Sets the terminal's width first (stty), for what draws to it.
  cols?: number;
  prompts?: { at: RegExp; answer: string }[];
}

// Whatever the program does, a run ends: killed after this long.
const BOUND_MS = 60000;

const quote = (a: string) => `'${a.replace(/'/g, "'\\''")}'`;

export function onTerminal(argv: string[], o: TerminalOptions = {}): Promise<TerminalRun> {
  const cmd = `${o.cols ? `stty cols ${o.cols} rows 30; ` : ''}${argv.map(quote).join(' ')}`;
  const child = spawn('script', ['-qec', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'ignore'], env: { ...(o.env ?? process.env), TERM: 'xterm' } });
  const prompts = (o.prompts ?? []).map((p) => ({ ...p, at: new RegExp(p.at.source, p.at.flags.includes('g') ? p.at.flags : `${p.at.flags}g`), answered: 0 }));
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    for (const p of prompts) {
      const shown = out.match(p.at)?.length ?? 0;
      for (; p.answered < shown; p.answered++) child.stdin.write(`${p.answer}\r`);
    }
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), BOUND_MS);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, out });
    });
  });
}
