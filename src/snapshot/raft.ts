// What a restored member boots from besides its database: the member and
// cluster IDs, the WAL (etcd's wal/encoder.go framing) and the raft
// snapshot file holding the v2 store with the membership.
import { createHash } from 'node:crypto';
import { goJsonString } from '../base/gofmt.js';
import { crc32c } from './checksums.js';

export interface RestoreMember {
  id: bigint;
  name: string;
  peerURLs: string[];
}

// sha1 of the sorted peer URLs and the token; its first 8 bytes, big-endian.
export function memberId(peerURLs: string[], token: string): bigint {
  const sum = createHash('sha1')
    .update([...peerURLs].sort().join('') + token)
    .digest();
  return sum.readBigUInt64BE(0);
}

export function clusterId(ids: bigint[]): bigint {
  const b = Buffer.alloc(8 * ids.length);
  for (const [i, id] of [...ids].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)).entries()) b.writeBigUInt64BE(id, i * 8);
  return createHash('sha1').update(b).digest().readBigUInt64BE(0);
}

// Go json.Marshal of membership.Member (isLearner and clientURLs empty, so omitted).
export function memberJson(m: RestoreMember): string {
  return `{"id":${m.id},"peerURLs":[${m.peerURLs.map(goJsonString).join(',')}],"name":${goJsonString(m.name)}}`;
}

const raftAttributes = (m: RestoreMember) => `{"peerURLs":[${m.peerURLs.map(goJsonString).join(',')}]}`;

// --- protobuf with proto2 presence: zero values are written too ---

function varint(v: bigint | number): Buffer {
  // Negative numbers as their 64-bit two's complement, as Go writes int32s and int64s.
  let x = BigInt.asUintN(64, BigInt(v));
  const out: number[] = [];
  while (x >= 0x80n) {
    out.push(Number(x & 0x7fn) | 0x80);
    x >>= 7n;
  }
  out.push(Number(x));
  return Buffer.from(out);
}

export const num = (field: number, v: bigint | number) => Buffer.concat([varint(field << 3), varint(v)]);
export const bytes = (field: number, b: Buffer) => Buffer.concat([varint((field << 3) | 2), varint(b.length), b]);

// --- WAL ---

const enum RecordType {
  Metadata = 1,
  Entry = 2,
  State = 3,
  Crc = 4,
  Snapshot = 5,
}

export const WAL_SEGMENT_BYTES = 64 * 1000 * 1000;
export const WAL_NAME = '0000000000000000-0000000000000000.wal';

class WalEncoder {
  private crc = 0;
  private readonly frames: Buffer[] = [];

  record(type: RecordType, data?: Buffer): void {
    if (type !== RecordType.Crc) this.crc = crc32c(this.crc, data ?? Buffer.alloc(0));
    const rec = Buffer.concat([num(1, type), num(2, this.crc), ...(data ? [bytes(3, data)] : [])]);
    const pad = (8 - (rec.length % 8)) % 8;
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(rec.length) | (pad ? BigInt(0x80 | pad) << 56n : 0n));
    this.frames.push(len, rec, Buffer.alloc(pad));
  }

  bytes(): Buffer {
    return Buffer.concat(this.frames);
  }
}

// The records of a freshly restored member: its metadata, one ConfChange
// entry per member (ascending ID), the hard state and the snapshot marker.
export function walRecords(self: bigint, cluster: bigint, members: RestoreMember[]): Buffer {
  const w = new WalEncoder();
  const n = members.length;
  w.record(RecordType.Crc);
  w.record(RecordType.Metadata, Buffer.concat([num(1, self), num(2, cluster)]));
  w.record(RecordType.Snapshot, Buffer.concat([num(1, 0), num(2, 0)]));
  members.forEach((m, i) => {
    const change = Buffer.concat([num(1, 0), num(2, 0), num(3, m.id), bytes(4, Buffer.from(memberJson(m)))]);
    w.record(RecordType.Entry, Buffer.concat([num(1, 1), num(2, 1), num(3, i + 1), bytes(4, change)]));
  });
  w.record(RecordType.State, Buffer.concat([num(1, 1), num(2, members[0]!.id), num(3, n)]));
  w.record(RecordType.Snapshot, Buffer.concat([num(1, n), num(2, 1)]));
  return w.bytes();
}

// --- the raft snapshot file ---

export const snapName = (n: number) => `0000000000000001-${n.toString(16).padStart(16, '0')}.snap`;

const NO_EXPIRY = '"ExpireTime":"0001-01-01T00:00:00Z"';
const EVENT_SLOTS = 1000;

function node(path: string, index: number, value: string, children: string | null): string {
  return `{"Path":${goJsonString(path)},"CreatedIndex":${index},"ModifiedIndex":${index},${NO_EXPIRY},"Value":${goJsonString(value)},"Children":${children ?? 'null'}}`;
}

// The v2 store as etcd's json.Marshal(store) writes it, holding only the
// members: /0/members/<hex id>/raftAttributes, created in ID order.
export function v2StoreJson(members: RestoreMember[]): string {
  const n = members.length;
  const entries = members.map((m, i) => {
    const hex = m.id.toString(16);
    const attrs = node(`/0/members/${hex}/raftAttributes`, i + 1, raftAttributes(m), null);
    return { hex, json: node(`/0/members/${hex}`, i + 1, '', `{"raftAttributes":${attrs}}`) };
  });
  // Go marshals map keys in string order.
  const sorted = [...entries].sort((a, b) => (a.hex < b.hex ? -1 : a.hex > b.hex ? 1 : 0));
  const membersDir = node('/0/members', 1, '', `{${sorted.map((e) => `${goJsonString(e.hex)}:${e.json}`).join(',')}}`);
  const root = node('/', 0, '', `{"0":${node('/0', 0, '', `{"members":${membersDir}}`)},"1":${node('/1', 0, '', '{}')}}`);
  const events = members.map((m, i) => {
    const key = `/0/members/${m.id.toString(16)}/raftAttributes`;
    return `{"action":"create","node":{"key":${goJsonString(key)},"value":${goJsonString(raftAttributes(m))},"modifiedIndex":${i + 1},"createdIndex":${i + 1}}}`;
  });
  while (events.length < EVENT_SLOTS) events.push('null');
  const stats =
    '{"getsSuccess":0,"getsFail":0,"setsSuccess":0,"setsFail":0,"deleteSuccess":0,"deleteFail":0,"updateSuccess":0,"updateFail":0,' +
    `"createSuccess":${n},"createFail":0,"compareAndSwapSuccess":0,"compareAndSwapFail":0,"compareAndDeleteSuccess":0,"compareAndDeleteFail":0,"expireCount":0,"watchers":0}`;
  return (
    `{"Root":${root},"WatcherHub":{"EventHistory":{"Queue":{"Events":[${events.join(',')}],"Size":${n},"Front":0,"Back":${n},"Capacity":${EVENT_SLOTS}},` +
    `"StartIndex":1,"LastIndex":${n}}},"CurrentIndex":${n},"Stats":${stats},"CurrentVersion":2}`
  );
}

// snappb.snapshot{crc, raftpb.Snapshot{data, metadata{conf_state, index, term}}}.
export function snapFile(members: RestoreMember[]): Buffer {
  const n = members.length;
  const confState = Buffer.concat([...members.map((m) => num(1, m.id)), num(5, 0)]);
  const metadata = Buffer.concat([bytes(1, confState), num(2, n), num(3, 1)]);
  const snapshot = Buffer.concat([bytes(1, Buffer.from(v2StoreJson(members))), bytes(2, metadata)]);
  return Buffer.concat([num(1, crc32c(0, snapshot)), bytes(2, snapshot)]);
}
