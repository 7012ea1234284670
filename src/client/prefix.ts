// Key ranges the client and the commands both build.

// The range end that selects every key with `key` as prefix (clientv3 GetPrefixRangeEnd).
export function prefixEnd(key: Buffer): Buffer {
  const end = Buffer.from(key);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]! += 1;
      return end.subarray(0, i + 1);
    }
  }
  // All 0xff: no upper bound, i.e. the rest of the keyspace.
  return Buffer.from([0]);
}

// "\0": as a range end, no end (the rest of the keyspace); as a key, the lowest.
export function isNul(b: Buffer): boolean {
  return b.length === 1 && b[0] === 0;
}
