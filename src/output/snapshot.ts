// Output of snapshot status (etcdctl's DBStatus printers), snapshot hashkv
// (etcdutl 3.6's) and snapshot save.
import type { KvHash } from '../snapshot/hashkv.js';
import type { DbStatus } from '../snapshot/status.js';
import { goJsonString, hexId, humanizeBytes } from '../base/gofmt.js';
import { stdout, type Out } from './out.js';
import { notSupported, type Format } from './printer.js';
import { renderTable } from './go-table.js';

export interface SaveResult {
  path: string;
  size: number;
  sha256: string;
  endpoint: string;
  memberId: bigint;
  version: string;
  durationMs: number;
  // With -w json (etcdctl-ts's own backup fields).
  revision?: bigint;
  totalKey?: number;
  compressedSize?: number;
  checksumFile?: string;
  pruned?: string[];
  // What went wrong after the file was in place.
  problems?: string[];
}

export class SnapshotPrinter {
  constructor(
    private readonly format: Format,
    private readonly out: Out = stdout,
  ) {}

  status(s: DbStatus): void {
    const row = [s.hash.toString(16), String(s.revision), String(s.totalKey), humanizeBytes(s.totalSize)];
    switch (this.format) {
      case 'simple':
        return this.out.write(`${row.join(', ')}\n`);
      case 'json':
        return this.out.write(`{"hash":${s.hash},"revision":${s.revision},"totalKey":${s.totalKey},"totalSize":${s.totalSize}}\n`);
      case 'fields':
        return this.out.write(`"Hash" : ${s.hash}\n"Revision" : ${s.revision}\n"Keys" : ${s.totalKey}\n"Size" : ${s.totalSize}\n`);
      case 'table':
        return this.out.write(renderTable(['hash', 'revision', 'total keys', 'total size'], [row]));
      default:
        notSupported(this.format);
    }
  }

  // etcdutl 3.6's hashkv printers.
  hashKV(h: KvHash): void {
    const row = [String(h.hash), String(h.revision), String(h.compactRevision)];
    switch (this.format) {
      case 'simple':
        return this.out.write(`${row.join(', ')}\n`);
      case 'json':
        return this.out.write(`{"hash":${h.hash},"hashRevision":${h.revision},"compactRevision":${h.compactRevision}}\n`);
      case 'fields':
        return this.out.write(`"Hash" : ${h.hash}\n"Hash revision" : ${h.revision}\n"Compact revision" : ${h.compactRevision}\n`);
      case 'table':
        return this.out.write(renderTable(['hash', 'hash revision', 'compact revision'], [row]));
      default:
        notSupported(this.format);
    }
  }

  // etcdctl prints one line whatever the format; json is for scripts.
  saved(r: SaveResult): void {
    if (this.format !== 'json') return this.out.write(`Snapshot saved at ${r.path}\n`);
    this.out.write(
      `{"path":${goJsonString(r.path)},"size":${r.size},"sha256":"${r.sha256}","endpoint":${goJsonString(r.endpoint)},` +
        `"member_id":${r.memberId},"member_id_hex":"${hexId(r.memberId)}","version":${goJsonString(r.version)},"duration_ms":${r.durationMs}` +
        `,"revision":${r.revision ?? 0},"total_keys":${r.totalKey ?? 0},"compressed_size":${r.compressedSize ?? 'null'},"checksum_file":${r.checksumFile ? goJsonString(r.checksumFile) : 'null'}` +
        `,"pruned":[${(r.pruned ?? []).map(goJsonString).join(',')}],"problems":[${(r.problems ?? []).map(goJsonString).join(',')}]}\n`,
    );
  }
}
