import * as pb from '../client/messages.js';
import type { Msg, Schema } from '../client/proto.js';
import type * as T from '../client/types.js';
import { pbJson } from './json.js';
import { printRpc } from './rpc.js';
import type { Out } from './out.js';
import { writeRange, type Printer, type RangeWriter } from './printer.js';

export class JsonPrinter implements Printer {
  constructor(private readonly out: Out) {}

  private print(s: Schema, m: object): void {
    printRpc(this.out, 'json', s, m);
  }

  // pbJson of a RangeResponse, in pieces: header, kvs, more, count
  // (declaration order, each left out when empty).
  range(): RangeWriter {
    let count = 0n;
    let fields = 0;
    let listed = 0;
    const field = (s: string) => this.out.write((fields++ ? ',' : '') + s);
    return {
      headerFirst: true,
      begin: (header, n) => {
        this.out.write('{');
        if (header) field(`"header":${pbJson(pb.ResponseHeader, header as unknown as Msg)}`);
        count = n;
      },
      kvs: (kvs) => {
        for (const kv of kvs) {
          if (listed++ === 0) field('"kvs":[');
          else this.out.write(',');
          this.out.write(pbJson(pb.KeyValue, kv as unknown as Msg));
        }
      },
      end: (more) => {
        if (listed > 0) this.out.write(']');
        if (more) field('"more":true');
        if (count !== 0n) field(`"count":${count}`);
        this.out.write('}\n');
      },
    };
  }

  get(r: T.RangeResponse): void {
    writeRange(this.range(), r);
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
