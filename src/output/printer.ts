// The printer interface every command prints through, one implementation
// per --write-out format, as in etcdctl's printer*.go.
import type * as T from '../client/types.js';
import { CliError, ExitCode } from '../base/errors.js';

// jsonl is etcdctl-ts's own (get and watch); the rest are etcdctl's.
export const FORMATS = ['simple', 'json', 'protobuf', 'fields', 'table', 'jsonl'] as const;
export type Format = (typeof FORMATS)[number];

export interface PrinterOptions {
  hex: boolean;
  valueOnly?: boolean;
}

// A range response written as it arrives: the header and count of its
// first page, the key-values page by page, then what only the end knows.
export interface RangeWriter {
  // Whether begin() prints the header (so it must be known before any key).
  readonly headerFirst: boolean;
  begin(header: T.ResponseHeader | undefined, count: bigint): void;
  kvs(kvs: Iterable<T.KeyValue>): void;
  end(more: boolean): void;
}

export function writeRange(w: RangeWriter, r: T.RangeResponse): void {
  w.begin(r.header, r.count);
  w.kvs(r.kvs);
  w.end(r.more);
}

export interface Printer {
  range(): RangeWriter;
  get(r: T.RangeResponse): void;
  put(r: T.PutResponse): void;
  del(r: T.DeleteRangeResponse): void;
  txn(r: T.TxnResponse): void;
  watch(r: T.WatchResponse): void;
}

export function notSupported(format: string): never {
  throw new CliError(`${format} not supported as output format`, ExitCode.BadFeature);
}

// A printer whose every method refuses, for formats a command does not support.
export class RefusingPrinter implements Printer {
  constructor(private readonly format: string) {}
  range(): RangeWriter {
    notSupported(this.format);
  }
  get(): void {
    notSupported(this.format);
  }
  put(): void {
    notSupported(this.format);
  }
  del(): void {
    notSupported(this.format);
  }
  txn(): void {
    notSupported(this.format);
  }
  watch(): void {
    notSupported(this.format);
  }
}

export function isFormat(s: string): s is Format {
  return (FORMATS as readonly string[]).includes(s);
}
