// Buffered writes to stdout: large chunks, synchronous, so a huge range is
// not held twice in memory and the process can exit as soon as it is done.
import { writeSync } from 'node:fs';

const CHUNK = 1 << 16;

export class Out {
  private parts: (string | Uint8Array)[] = [];
  private size = 0;

  constructor(private readonly fd = 1) {}

  write(s: string | Uint8Array): void {
    this.parts.push(s);
    this.size += s.length;
    if (this.size >= CHUNK) this.flush();
  }

  flush(): void {
    if (this.parts.length === 0) return;
    const buf = Buffer.concat(this.parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p)));
    this.parts = [];
    this.size = 0;
    let off = 0;
    while (off < buf.length) {
      try {
        off += writeSync(this.fd, buf, off);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') continue;
        // A closed reader (`| head`) ends output quietly, as Go programs do.
        if (code === 'EPIPE') process.exit(0);
        throw e;
      }
    }
  }
}

export const stdout = new Out(1);
