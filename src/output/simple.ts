import * as T from '../client/types.js';
import { hexEscape } from '../base/gofmt.js';
import type { Out } from './out.js';
import { writeRange, type Printer, type PrinterOptions, type RangeWriter } from './printer.js';

export class SimplePrinter implements Printer {
  constructor(
    private readonly out: Out,
    private readonly opts: PrinterOptions,
  ) {}

  private line(b: Uint8Array): void {
    if (this.opts.hex) this.out.write(`${hexEscape(b)}\n`);
    else this.out.line(b);
  }

  private kv(kv: T.KeyValue, valueOnly: boolean): void {
    if (!valueOnly) this.line(kv.key);
    this.line(kv.value);
  }

  range(): RangeWriter {
    const valueOnly = this.opts.valueOnly ?? false;
    return {
      headerFirst: false,
      begin: () => undefined,
      kvs: (kvs) => {
        for (const kv of kvs) this.kv(kv, valueOnly);
      },
      end: () => undefined,
    };
  }

  get(r: T.RangeResponse): void {
    writeRange(this.range(), r);
  }

  put(r: T.PutResponse): void {
    this.out.write('OK\n');
    if (r.prev_kv) this.kv(r.prev_kv, false);
  }

  del(r: T.DeleteRangeResponse): void {
    this.out.write(`${r.deleted}\n`);
    for (const kv of r.prev_kvs) this.kv(kv, false);
  }

  watch(r: T.WatchResponse): void {
    for (const e of r.events) {
      this.out.write(e.type === T.EventType.Delete ? 'DELETE\n' : 'PUT\n');
      if (e.prev_kv) this.kv(e.prev_kv, false);
      if (e.kv) this.kv(e.kv, false);
    }
  }

  txn(r: T.TxnResponse): void {
    this.out.write(r.succeeded ? 'SUCCESS\n' : 'FAILURE\n');
    for (const op of r.responses) {
      this.out.write('\n');
      if (op.response_put) this.put(op.response_put);
      else if (op.response_range) for (const kv of op.response_range.kvs) this.kv(kv, false);
      else if (op.response_delete_range) this.del(op.response_delete_range);
      else if (op.response_txn) this.txn(op.response_txn);
    }
  }
}
