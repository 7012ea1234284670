import * as pb from '../client/messages.js';
import type { Schema } from '../client/proto.js';
import type * as T from '../client/types.js';
import type { Out } from './out.js';
import { printRpc } from './rpc.js';
import { writeRange, type Printer, type RangeWriter } from './printer.js';

// Raw marshalled responses, no newline, as etcdctl's protobuf printer.
export class ProtobufPrinter implements Printer {
  constructor(private readonly out: Out) {}

  private print(s: Schema, m: object): void {
    printRpc(this.out, 'protobuf', s, m);
  }

  // A RangeResponse's fields in number order, each encoded on its own:
  // together the bytes of the whole message.
  range(): RangeWriter {
    let count = 0n;
    return {
      headerFirst: true,
      begin: (header, n) => {
        this.print(pb.RangeResponse, { header, kvs: [], more: false, count: 0n });
        count = n;
      },
      kvs: (kvs) => {
        for (const kv of kvs) this.print(pb.RangeResponse, { kvs: [kv], more: false, count: 0n });
      },
      end: (more) => this.print(pb.RangeResponse, { kvs: [], more, count }),
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

  // etcdctl rebuilds the response from clientv3's struct: no watch ID or cancel reason.
  watch(r: T.WatchResponse): void {
    this.print(pb.WatchResponse, { header: r.header, events: r.events, compact_revision: r.compact_revision, canceled: r.canceled, created: r.created });
  }
}
