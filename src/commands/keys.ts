// Key helpers shared by get, del, txn and watch.

import { bytes } from '../base/bytes.js';
import { prefixEnd } from '../client/prefix.js';

export { prefixEnd };

export const FROM_KEY_END = Buffer.from([0]);

export interface RangeSpec {
  key: Buffer;
  rangeEnd?: Buffer;
}

// Applies --prefix / --from-key to a key (empty key means the whole keyspace).
export function rangeOf(key: string, rangeEnd: string | undefined, prefix: boolean, fromKey: boolean): RangeSpec {
  let k = bytes(key);
  if (prefix) {
    if (k.length === 0) return { key: Buffer.from([0]), rangeEnd: FROM_KEY_END };
    return { key: k, rangeEnd: prefixEnd(k) };
  }
  if (fromKey) {
    if (k.length === 0) k = Buffer.from([0]);
    return { key: k, rangeEnd: FROM_KEY_END };
  }
  return { key: k, rangeEnd: rangeEnd === undefined ? undefined : bytes(rangeEnd) };
}
