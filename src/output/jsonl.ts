// -w jsonl (etcdctl-ts's own, for get and watch): one JSON object a line,
// one per key or per event, written as they arrive. Keys and values are
// strings when they are valid UTF-8, else base64 under *_base64; revisions
// and versions are numbers; lease IDs decimal strings, whole at any size.
import { isUtf8 } from 'node:buffer';
import * as T from '../client/types.js';
import type { Out } from './out.js';
import { notSupported, writeRange, type Printer, type RangeWriter } from './printer.js';

export const keyJson = (b: Buffer) => bytes('key', b);

function bytes(name: string, b: Buffer): string {
  return isUtf8(b) ? `"${name}":${JSON.stringify(b.toString('utf8'))}` : `"${name}_base64":"${b.toString('base64')}"`;
}

export function kvJson(kv: T.KeyValue): string {
  return `${bytes('key', kv.key)},"create_revision":${kv.create_revision},"mod_revision":${kv.mod_revision},"version":${kv.version},${bytes('value', kv.value)},"lease":"${kv.lease}"`;
}

export class JsonlPrinter implements Printer {
  constructor(private readonly out: Out) {}

  range(): RangeWriter {
    return {
      headerFirst: false,
      begin: () => undefined,
      kvs: (kvs) => {
        for (const kv of kvs) this.out.write(`{${kvJson(kv)}}\n`);
      },
      end: () => undefined,
    };
  }

  get(r: T.RangeResponse): void {
    writeRange(this.range(), r);
  }

  watch(r: T.WatchResponse): void {
    for (const e of r.events) {
      const type = e.type === T.EventType.Delete ? 'DELETE' : 'PUT';
      const prev = e.prev_kv ? `,"prev_kv":{${kvJson(e.prev_kv)}}` : '';
      this.out.write(`{"type":"${type}",${kvJson(e.kv!)}${prev}}\n`);
    }
  }

  put(): void {
    notSupported('jsonl');
  }

  del(): void {
    notSupported('jsonl');
  }

  txn(): void {
    notSupported('jsonl');
  }
}
