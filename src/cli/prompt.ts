// Reads a password: without echo on a terminal, else one line of stdin.
import { readSync } from 'node:fs';

export async function readPassword(prompt: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    process.stdout.write(prompt);
    const line = readLineSync();
    process.stdout.write('\n');
    return line;
  }
  // Echo goes off before the prompt shows, so nothing typed after it is echoed.
  stdin.setRawMode(true);
  process.stdout.write(prompt);
  return new Promise((resolve, reject) => {
    let value = '';
    stdin.resume();
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.removeListener('data', onData);
      process.stdout.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new Error('interrupted'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

// The first word of stdin, as Go's fmt.Scanf("%s"): blanks before it are
// skipped, but a line break before any word means an empty answer.
export function readWordSync(): string {
  const buf = Buffer.alloc(1);
  let out = '';
  while (readSync(0, buf, 0, 1, null) === 1) {
    const c = buf.toString('latin1');
    if (c === ' ' || c === '\t' || c === '\r') {
      if (out !== '') break;
      continue;
    }
    if (c === '\n') break;
    out += c;
  }
  return Buffer.from(out, 'latin1').toString('utf8');
}

function readLineSync(): string {
  const buf = Buffer.alloc(1);
  let out = '';
  while (readSync(0, buf, 0, 1, null) === 1) {
    const c = buf.toString('latin1');
    if (c === '\n') break;
    out += c;
  }
  return Buffer.from(out.replace(/\r$/, ''), 'latin1').toString('utf8');
}

// Asks a yes/no question on stderr and reads the answer, a line of the
// terminal (read as a stream: Node leaves a terminal's fd non-blocking):
// only "y" or "yes" (any case) is a yes.
export async function confirm(question: string): Promise<boolean> {
  const stdin = process.stdin;
  process.stderr.write(question);
  const line = await new Promise<string>((resolve) => {
    let got = '';
    const done = () => {
      stdin.off('data', onData);
      stdin.off('end', done);
      stdin.pause();
      resolve(got.split(/\r?\n|\r/)[0]!);
    };
    const onData = (d: Buffer) => {
      got += d.toString('utf8');
      if (/[\r\n]/.test(got)) done();
    };
    stdin.on('data', onData);
    stdin.once('end', done);
    stdin.resume();
  });
  return /^(y|yes)$/i.test(line.trim());
}
