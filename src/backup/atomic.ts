// A small file written whole or not at all: to <path>.part, synced, then
// renamed over <path>.
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';

export function writeAtomic(path: string, text: string, mode = 0o644): void {
  const tmp = `${path}.part`;
  const fd = openSync(tmp, 'w', mode);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
