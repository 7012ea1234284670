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

// KV.RangeStream (etcd 3.7): the kvs of one range split across chunks.
export const RangeStreamResponse = schema('RangeStreamResponse', [[1, 'range_response', 'msg', m(() => RangeResponse)]]);

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

const header = (): Spec => [1, 'header', 'msg', m(() => ResponseHeader)];
const strings = { repeated: true };

export const Member = schema('Member', [
  [1, 'ID', 'uint64'],
  [2, 'name', 'string'],
  [3, 'peerURLs', 'string', strings],
  [4, 'clientURLs', 'string', strings],
  [5, 'isLearner', 'bool'],
]);

export const MemberListRequest = schema('MemberListRequest', [[1, 'linearizable', 'bool']]);
export const MemberAddRequest = schema('MemberAddRequest', [
  [1, 'peerURLs', 'string', strings],
  [2, 'isLearner', 'bool'],
]);
export const MemberAddResponse = schema('MemberAddResponse', [header(), [2, 'member', 'msg', m(() => Member)], [3, 'members', 'msg', rep(() => Member)]]);
export const MemberIdRequest = schema('MemberIdRequest', [[1, 'ID', 'uint64']]);
export const MemberUpdateRequest = schema('MemberUpdateRequest', [
  [1, 'ID', 'uint64'],
  [2, 'peerURLs', 'string', strings],
]);
// MemberList/Remove/Update/Promote responses share this shape.
export const MembersResponse = schema('MemberListResponse', [header(), [2, 'members', 'msg', rep(() => Member)]]);

export const Empty = schema('Empty', []);
export const HeaderOnly = schema('HeaderOnly', [header()]);

export const StatusResponse = schema('StatusResponse', [
  header(),
  [2, 'version', 'string'],
  [3, 'dbSize', 'int64'],
  [4, 'leader', 'uint64'],
  [5, 'raftIndex', 'uint64'],
  [6, 'raftTerm', 'uint64'],
  [7, 'raftAppliedIndex', 'uint64'],
  [8, 'errors', 'string', strings],
  [9, 'dbSizeInUse', 'int64'],
  [10, 'isLearner', 'bool'],
  // 3.6 and later; json passes them through as etcdctl 3.6 prints them.
  [11, 'storageVersion', 'string'],
  [12, 'dbSizeQuota', 'int64'],
  [13, 'downgradeInfo', 'msg', m(() => DowngradeInfo)],
]);

export const DowngradeInfo = schema('DowngradeInfo', [
  [1, 'enabled', 'bool'],
  [2, 'targetVersion', 'string'],
]);

export const HashKVRequest = schema('HashKVRequest', [[1, 'revision', 'int64']]);
export const HashKVResponse = schema('HashKVResponse', [header(), [2, 'hash', 'uint64'], [3, 'compact_revision', 'int64'], [4, 'hash_revision', 'int64']]);

export const DowngradeRequest = schema('DowngradeRequest', [
  [1, 'action', 'enum'],
  [2, 'version', 'string'],
]);
export const DowngradeResponse = schema('DowngradeResponse', [header(), [2, 'version', 'string']]);

export const MoveLeaderRequest = schema('MoveLeaderRequest', [[1, 'targetID', 'uint64']]);

export const AlarmRequest = schema('AlarmRequest', [
  [1, 'action', 'enum'],
  [2, 'memberID', 'uint64'],
  [3, 'alarm', 'enum'],
]);
export const AlarmMember = schema('AlarmMember', [
  [1, 'memberID', 'uint64'],
  [2, 'alarm', 'enum'],
]);
export const AlarmResponse = schema('AlarmResponse', [header(), [2, 'alarms', 'msg', rep(() => AlarmMember)]]);

export const LeaseGrantRequest = schema('LeaseGrantRequest', [
  [1, 'TTL', 'int64'],
  [2, 'ID', 'int64'],
]);
export const LeaseGrantResponse = schema('LeaseGrantResponse', [header(), [2, 'ID', 'int64'], [3, 'TTL', 'int64'], [4, 'error', 'string']]);
export const LeaseIdRequest = schema('LeaseIdRequest', [[1, 'ID', 'int64']]);
export const LeaseKeepAliveResponse = schema('LeaseKeepAliveResponse', [header(), [2, 'ID', 'int64'], [3, 'TTL', 'int64']]);
export const LeaseTimeToLiveRequest = schema('LeaseTimeToLiveRequest', [
  [1, 'ID', 'int64'],
  [2, 'keys', 'bool'],
]);
export const LeaseTimeToLiveResponse = schema('LeaseTimeToLiveResponse', [
  header(),
  [2, 'ID', 'int64'],
  [3, 'TTL', 'int64'],
  [4, 'grantedTTL', 'int64'],
  [5, 'keys', 'bytes', { repeated: true }],
]);
export const LeaseStatus = schema('LeaseStatus', [[1, 'ID', 'int64']]);
export const LeaseLeasesResponse = schema('LeaseLeasesResponse', [header(), [2, 'leases', 'msg', rep(() => LeaseStatus)]]);

export const UserAddOptions = schema('UserAddOptions', [[1, 'no_password', 'bool']]);
export const AuthUserAddRequest = schema('AuthUserAddRequest', [
  [1, 'name', 'string'],
  [2, 'password', 'string'],
  [3, 'options', 'msg', m(() => UserAddOptions)],
]);
// Requests carrying only a name (field 1): user get/delete, role add/get/delete.
export const NameRequest = schema('NameRequest', [[1, 'name', 'string']]);
export const AuthUserChangePasswordRequest = schema('AuthUserChangePasswordRequest', [
  [1, 'name', 'string'],
  [2, 'password', 'string'],
]);
// Grant (user, role) and revoke (name, role) use fields 1 and 2 alike.
export const UserRoleRequest = schema('UserRoleRequest', [
  [1, 'user', 'string'],
  [2, 'role', 'string'],
]);
export const Permission = schema('Permission', [
  [1, 'permType', 'enum'],
  [2, 'key', 'bytes'],
  [3, 'range_end', 'bytes'],
]);
export const AuthRoleGrantPermissionRequest = schema('AuthRoleGrantPermissionRequest', [
  [1, 'name', 'string'],
  [2, 'perm', 'msg', m(() => Permission)],
]);
export const AuthRoleRevokePermissionRequest = schema('AuthRoleRevokePermissionRequest', [
  [1, 'role', 'string'],
  [2, 'key', 'bytes'],
  [3, 'range_end', 'bytes'],
]);
export const AuthUserGetResponse = schema('AuthUserGetResponse', [header(), [2, 'roles', 'string', strings]]);
export const AuthRoleGetResponse = schema('AuthRoleGetResponse', [header(), [2, 'perm', 'msg', rep(() => Permission)]]);
export const AuthUserListResponse = schema('AuthUserListResponse', [header(), [2, 'users', 'string', strings]]);
export const AuthRoleListResponse = schema('AuthRoleListResponse', [header(), [2, 'roles', 'string', strings]]);
export const AuthStatusResponse = schema('AuthStatusResponse', [header(), [2, 'enabled', 'bool'], [3, 'authRevision', 'uint64']]);
export const SnapshotResponse = schema('SnapshotResponse', [header(), [2, 'remaining_bytes', 'uint64'], [3, 'blob', 'bytes'], [4, 'version', 'string']]);
