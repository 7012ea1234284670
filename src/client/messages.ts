// etcd v3 API message tables (field numbers from etcdserverpb/rpc.proto and
// mvccpb/kv.proto). Names are the proto field names, which are also the JSON
// tags etcdctl's json printer emits.
import type { Field, FieldKind, Schema } from './proto.js';

type Spec = [no: number, name: string, kind: FieldKind, opts?: { repeated?: boolean; oneof?: string; msg?: () => Schema; lazy?: boolean }];

function schema(name: string, specs: Spec[]): Schema {
  const fields: Field[] = specs.map(([no, fname, kind, opts]) => ({ no, name: fname, kind, ...opts }));
  return { name, fields };
}

const m = (s: () => Schema) => ({ msg: s });
const rep = (s: () => Schema) => ({ msg: s, repeated: true });
const lazyRep = (s: () => Schema) => ({ msg: s, repeated: true, lazy: true });

export const ResponseHeader = schema('ResponseHeader', [
  [1, 'cluster_id', 'uint64'],
  [2, 'member_id', 'uint64'],
  [3, 'revision', 'int64'],
  [4, 'raft_term', 'uint64'],
]);

export const KeyValue = schema('KeyValue', [
  [1, 'key', 'bytes'],
  [2, 'create_revision', 'int64'],
  [3, 'mod_revision', 'int64'],
  [4, 'version', 'int64'],
  [5, 'value', 'bytes'],
  [6, 'lease', 'int64'],
]);

export const RangeRequest = schema('RangeRequest', [
  [1, 'key', 'bytes'],
  [2, 'range_end', 'bytes'],
  [3, 'limit', 'int64'],
  [4, 'revision', 'int64'],
  [5, 'sort_order', 'enum'],
  [6, 'sort_target', 'enum'],
  [7, 'serializable', 'bool'],
  [8, 'keys_only', 'bool'],
  [9, 'count_only', 'bool'],
  [10, 'min_mod_revision', 'int64'],
  [11, 'max_mod_revision', 'int64'],
  [12, 'min_create_revision', 'int64'],
  [13, 'max_create_revision', 'int64'],
]);

export const RangeResponse = schema('RangeResponse', [
  [1, 'header', 'msg', m(() => ResponseHeader)],
  [2, 'kvs', 'msg', lazyRep(() => KeyValue)],
  [3, 'more', 'bool'],
  [4, 'count', 'int64'],
]);

export const PutRequest = schema('PutRequest', [
  [1, 'key', 'bytes'],
  [2, 'value', 'bytes'],
  [3, 'lease', 'int64'],
  [4, 'prev_kv', 'bool'],
  [5, 'ignore_value', 'bool'],
  [6, 'ignore_lease', 'bool'],
]);

export const PutResponse = schema('PutResponse', [
  [1, 'header', 'msg', m(() => ResponseHeader)],
  [2, 'prev_kv', 'msg', m(() => KeyValue)],
]);

export const DeleteRangeRequest = schema('DeleteRangeRequest', [
  [1, 'key', 'bytes'],
  [2, 'range_end', 'bytes'],
  [3, 'prev_kv', 'bool'],
]);

export const DeleteRangeResponse = schema('DeleteRangeResponse', [
  [1, 'header', 'msg', m(() => ResponseHeader)],
  [2, 'deleted', 'int64'],
  [3, 'prev_kvs', 'msg', lazyRep(() => KeyValue)],
]);

export const RequestOp = schema('RequestOp', [
  [1, 'request_range', 'msg', { msg: () => RangeRequest, oneof: 'request' }],
  [2, 'request_put', 'msg', { msg: () => PutRequest, oneof: 'request' }],
  [3, 'request_delete_range', 'msg', { msg: () => DeleteRangeRequest, oneof: 'request' }],
  [4, 'request_txn', 'msg', { msg: () => TxnRequest, oneof: 'request' }],
]);

export const ResponseOp = schema('ResponseOp', [
  [1, 'response_range', 'msg', { msg: () => RangeResponse, oneof: 'response' }],
  [2, 'response_put', 'msg', { msg: () => PutResponse, oneof: 'response' }],
  [3, 'response_delete_range', 'msg', { msg: () => DeleteRangeResponse, oneof: 'response' }],
  [4, 'response_txn', 'msg', { msg: () => TxnResponse, oneof: 'response' }],
]);

export const Compare = schema('Compare', [
  [1, 'result', 'enum'],
  [2, 'target', 'enum'],
  [3, 'key', 'bytes'],
  [4, 'version', 'int64', { oneof: 'target_union' }],
  [5, 'create_revision', 'int64', { oneof: 'target_union' }],
  [6, 'mod_revision', 'int64', { oneof: 'target_union' }],
  [7, 'value', 'bytes', { oneof: 'target_union' }],
  [8, 'lease', 'int64', { oneof: 'target_union' }],
  [64, 'range_end', 'bytes'],
]);

export const TxnRequest: Schema = schema('TxnRequest', [
  [1, 'compare', 'msg', rep(() => Compare)],
  [2, 'success', 'msg', rep(() => RequestOp)],
  [3, 'failure', 'msg', rep(() => RequestOp)],
]);

export const TxnResponse: Schema = schema('TxnResponse', [
  [1, 'header', 'msg', m(() => ResponseHeader)],
  [2, 'succeeded', 'bool'],
  [3, 'responses', 'msg', rep(() => ResponseOp)],
]);

export const CompactionRequest = schema('CompactionRequest', [
  [1, 'revision', 'int64'],
  [2, 'physical', 'bool'],
]);

export const CompactionResponse = schema('CompactionResponse', [[1, 'header', 'msg', m(() => ResponseHeader)]]);

export const AuthenticateRequest = schema('AuthenticateRequest', [
  [1, 'name', 'string'],
  [2, 'password', 'string'],
]);

export const AuthenticateResponse = schema('AuthenticateResponse', [
  [1, 'header', 'msg', m(() => ResponseHeader)],
  [2, 'token', 'string'],
]);

export const WatchCreateRequest = schema('WatchCreateRequest', [
  [1, 'key', 'bytes'],
  [2, 'range_end', 'bytes'],
  [3, 'start_revision', 'int64'],
  [4, 'progress_notify', 'bool'],
  [6, 'prev_kv', 'bool'],
  [7, 'watch_id', 'int64'],
]);

export const WatchProgressRequest = schema('WatchProgressRequest', []);

export const WatchRequest = schema('WatchRequest', [
  [1, 'create_request', 'msg', { msg: () => WatchCreateRequest, oneof: 'request_union' }],
  [3, 'progress_request', 'msg', { msg: () => WatchProgressRequest, oneof: 'request_union' }],
]);

export const Event = schema('Event', [
  [1, 'type', 'enum'],
  [2, 'kv', 'msg', m(() => KeyValue)],
  [3, 'prev_kv', 'msg', m(() => KeyValue)],
]);

export const WatchResponse = schema('WatchResponse', [
  [1, 'header', 'msg', m(() => ResponseHeader)],
  [2, 'watch_id', 'int64'],
  [3, 'created', 'bool'],
  [4, 'canceled', 'bool'],
  [5, 'compact_revision', 'int64'],
  [6, 'cancel_reason', 'string'],
  [7, 'fragment', 'bool'],
  [11, 'events', 'msg', rep(() => Event)],
]);
