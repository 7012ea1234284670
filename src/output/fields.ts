import * as T from '../client/types.js';
import { goQuote } from '../base/gofmt.js';
import type { Out } from './out.js';
import { writeRange, type Printer, type RangeWriter } from './printer.js';

const ZERO_HEADER: T.ResponseHeader = { cluster_id: 0n, member_id: 0n, revision: 0n, raft_term: 0n };

// The four header lines every fields output starts with.
export function fieldsHeader(h: T.ResponseHeader | undefined): string {
  const x = h ?? ZERO_HEADER;
  return `"ClusterID" : ${x.cluster_id}\n"MemberID" : ${x.member_id}\n"Revision" : ${x.revision}\n"RaftTerm" : ${x.raft_term}\n`;
}

export class FieldsPrinter implements Printer {
  constructor(private readonly out: Out) {}

  private hdr(h: T.ResponseHeader | undefined): void {
    this.out.write(fieldsHeader(h));
  }

  private kv(pfx: string, kv: T.KeyValue): void {
    this.out.write(
      `"${pfx}Key" : ${goQuote(kv.key)}\n` +
        `"${pfx}CreateRevision" : ${kv.create_revision}\n` +
        `"${pfx}ModRevision" : ${kv.mod_revision}\n` +
        `"${pfx}Version" : ${kv.version}\n` +
        `"${pfx}Value" : ${goQuote(kv.value)}\n` +
        `"${pfx}Lease" : ${kv.lease}\n`,
    );
  }

  range(): RangeWriter {
    let count = 0n;
    return {
      headerFirst: true,
      begin: (header, n) => {
        this.hdr(header);
        count = n;
      },
      kvs: (kvs) => {
        for (const kv of kvs) this.kv('', kv);
      },
      end: (more) => this.out.write(`"More" : ${more}\n"Count" : ${count}\n`),
    };
  }

  get(r: T.RangeResponse): void {
    writeRange(this.range(), r);
  }

  put(r: T.PutResponse): void {
    this.hdr(r.header);
    if (r.prev_kv) this.kv('Prev', r.prev_kv);
  }

  del(r: T.DeleteRangeResponse): void {
    this.hdr(r.header);
    this.out.write(`"Deleted" : ${r.deleted}\n`);
    for (const kv of r.prev_kvs) this.kv('Prev', kv);
  }

  watch(r: T.WatchResponse): void {
    this.hdr(r.header);
    for (const e of r.events) {
      this.out.write(`"Type" : ${e.type === T.EventType.Delete ? 'DELETE' : 'PUT'}\n`);
      if (e.prev_kv) this.kv('Prev', e.prev_kv);
      if (e.kv) this.kv('', e.kv);
    }
  }

  txn(r: T.TxnResponse): void {
    this.hdr(r.header);
    this.out.write(`"Succeeded" : ${r.succeeded}\n`);
    for (const op of r.responses) {
      if (op.response_put) this.put(op.response_put);
      else if (op.response_range) this.get(op.response_range);
      else if (op.response_delete_range) this.del(op.response_delete_range);
      else if (op.response_txn) this.txn(op.response_txn);
    }
  }
}
