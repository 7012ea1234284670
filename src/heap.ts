// A long read (a paged range, a snapshot file walked key by key) makes
// garbage fast, and V8 answers that by growing its young generation to tens
// of MB, so the memory of a read would grow with its length for a while.
// Keeping it at its starting size holds a read to the memory of what it
// keeps. The flag is V8 11's (Node 20, which the single executable
// carries); an unknown flag would be reported on stderr.
export function boundYoungGeneration(): void {
  if (!process.versions.v8.startsWith('11.')) return;
  (require('node:v8') as typeof import('node:v8')).setFlagsFromString('--semi-space-growth-factor=1');
}
