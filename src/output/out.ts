// Buffered writes to stdout: bytes are copied into one 64 KiB buffer and
// written synchronously when it fills, so a huge range streams out in large
// chunks without a per-line allocation.
import { writeSync } from 'node:fs';

const CHUNK = 1 << 16;

export class Out {
  private buf = Buffer.allocUnsafe(CHUNK);
  private pos = 0;

  constructor(private readonly fd = 1) {}

  write(s: string | Uint8Array): void {
    if (typeof s === 'string') {
      if (s.length * 3 > CHUNK - this.pos) {
        this.writeBytes(Buffer.from(s, 'utf8'));
        return;
      }
      this.pos += this.buf.write(s, this.pos, 'utf8');
      return;
    }
    this.writeBytes(s);
  }

  // Bytes and a newline; the common case of printing keys and values.
  line(b: Uint8Array): void {
    if (b.length + 1 > CHUNK - this.pos) {
      this.writeBytes(b);
      this.write('\n');
      return;
    }
    this.buf.set(b, this.pos);
    this.pos += b.length;
    this.buf[this.pos++] = 10;
  }

  private writeBytes(b: Uint8Array): void {
    if (b.length > CHUNK - this.pos) {
      this.flush();
      if (b.length >= CHUNK) {
        this.writeAll(b);
        return;
      }
    }
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  flush(): void {
    if (this.pos === 0) return;
    // Written synchronously, so the buffer is free again at once.
    const data = this.buf.subarray(0, this.pos);
    this.pos = 0;
    this.writeAll(data);
  }

  private writeAll(data: Uint8Array): void {
    let off = 0;
    while (off < data.length) {
      try {
        off += writeSync(this.fd, data, off);
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

// chalk where colour may be used: on a terminal only, never with NO_COLOR
// (so never on a pipe or in json). Loaded only then.
export function colour(): import('chalk').ChalkInstance | undefined {
  if (!process.stdout.isTTY || process.env.NO_COLOR) return undefined;
  return (require('chalk') as typeof import('chalk')).default;
}
