import * as pb from '../client/messages.js';
import type { Msg, Schema } from '../client/proto.js';
import type * as T from '../client/types.js';
import { pbJson } from './json.js';
import type { Out } from './out.js';
import type { Printer } from './printer.js';

export class JsonPrinter implements Printer {
  constructor(private readonly out: Out) {}

  private print(s: Schema, m: object): void {
    this.out.write(pbJson(s, m as Msg) + '\n');
  }

  get(r: T.RangeResponse): void {
    this.print(pb.RangeResponse, r);
  }

  put(r: T.PutResponse): void {
    this.print(pb.PutResponse, r);
  }

  del(r: T.DeleteRangeResponse): void {
    this.print(pb.DeleteRangeResponse, r);
  }

  txn(r: T.TxnResponse): void {
    this.print(pb.TxnResponse, r);
  }

  // clientv3.WatchResponse: Go field names, no omitempty at the top level.
  watch(r: T.WatchResponse): void {
    const events = r.events.length ? `[${r.events.map((e) => pbJson(pb.Event, e as unknown as Msg)).join(',')}]` : 'null';
    const header = pbJson(pb.ResponseHeader, (r.header ?? {}) as Msg);
    this.out.write(`{"Header":${header},"Events":${events},"CompactRevision":${r.compact_revision},"Canceled":${r.canceled},"Created":${r.created}}\n`);
  }
}
