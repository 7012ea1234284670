// Typed views of decoded etcd responses. 64-bit integers are bigint.

export interface ResponseHeader {
  cluster_id: bigint;
  member_id: bigint;
  revision: bigint;
  raft_term: bigint;
}

export interface KeyValue {
  key: Buffer;
  create_revision: bigint;
  mod_revision: bigint;
  version: bigint;
  value: Buffer;
  lease: bigint;
}

export interface RangeRequest {
  key: Buffer;
  range_end?: Buffer;
  limit?: bigint;
  revision?: bigint;
  sort_order?: SortOrder;
  sort_target?: SortTarget;
  serializable?: boolean;
  keys_only?: boolean;
  count_only?: boolean;
  min_mod_revision?: bigint;
  max_mod_revision?: bigint;
  min_create_revision?: bigint;
  max_create_revision?: bigint;
}

export enum SortOrder {
  None = 0,
  Ascend = 1,
  Descend = 2,
}

// Repeated KeyValues: an array, or a LazyList decoded while iterated.
export interface List<T> extends Iterable<T> {
  readonly length: number;
  at(i: number): T | undefined;
  // Encoded size, where known (decoded from the wire).
  readonly byteLength?: number;
}

export enum SortTarget {
  Key = 0,
  Version = 1,
  Create = 2,
  Mod = 3,
  Value = 4,
}

export interface RangeResponse {
  header?: ResponseHeader;
  kvs: List<KeyValue>;
  more: boolean;
  count: bigint;
}

export interface PutRequest {
  key: Buffer;
  value?: Buffer;
  lease?: bigint;
  prev_kv?: boolean;
  ignore_value?: boolean;
  ignore_lease?: boolean;
}

export interface PutResponse {
  header?: ResponseHeader;
  prev_kv?: KeyValue;
}

export interface DeleteRangeRequest {
  key: Buffer;
  range_end?: Buffer;
  prev_kv?: boolean;
}

export interface DeleteRangeResponse {
  header?: ResponseHeader;
  deleted: bigint;
  prev_kvs: List<KeyValue>;
}

export enum CompareResult {
  Equal = 0,
  Greater = 1,
  Less = 2,
  NotEqual = 3,
}

export enum CompareTarget {
  Version = 0,
  Create = 1,
  Mod = 2,
  Value = 3,
  Lease = 4,
}

export interface Compare {
  result: CompareResult;
  target: CompareTarget;
  key: Buffer;
  range_end?: Buffer;
  version?: bigint;
  create_revision?: bigint;
  mod_revision?: bigint;
  value?: Buffer;
  lease?: bigint;
}

export type RequestOp =
  | { request_range: RangeRequest }
  | { request_put: PutRequest }
  | { request_delete_range: DeleteRangeRequest }
  | { request_txn: TxnRequest };

export interface ResponseOp {
  response_range?: RangeResponse;
  response_put?: PutResponse;
  response_delete_range?: DeleteRangeResponse;
  response_txn?: TxnResponse;
}

export interface TxnRequest {
  compare: Compare[];
  success: RequestOp[];
  failure: RequestOp[];
}

export interface TxnResponse {
  header?: ResponseHeader;
  succeeded: boolean;
  responses: ResponseOp[];
}

export interface CompactionResponse {
  header?: ResponseHeader;
}

export interface WatchCreateRequest {
  key: Buffer;
  range_end?: Buffer;
  start_revision?: bigint;
  progress_notify?: boolean;
  prev_kv?: boolean;
}

export enum EventType {
  Put = 0,
  Delete = 1,
}

export interface Event {
  type: EventType;
  kv?: KeyValue;
  prev_kv?: KeyValue;
}

export interface WatchResponse {
  header?: ResponseHeader;
  watch_id: bigint;
  created: boolean;
  canceled: boolean;
  compact_revision: bigint;
  cancel_reason: string;
  fragment: boolean;
  events: Event[];
}

export interface HeaderResponse {
  header?: ResponseHeader;
}

export interface Member {
  ID: bigint;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

export interface MembersResponse {
  header?: ResponseHeader;
  members: Member[];
}

export interface MemberAddResponse extends MembersResponse {
  member?: Member;
}

export interface StatusResponse {
  header?: ResponseHeader;
  version: string;
  dbSize: bigint;
  leader: bigint;
  raftIndex: bigint;
  raftTerm: bigint;
  raftAppliedIndex: bigint;
  errors: string[];
  dbSizeInUse: bigint;
  isLearner: boolean;
  // Sent by 3.6 and later servers.
  storageVersion: string;
  dbSizeQuota: bigint;
  downgradeInfo?: DowngradeInfo;
}

export interface DowngradeInfo {
  enabled: boolean;
  targetVersion: string;
}

export enum DowngradeAction {
  Validate = 0,
  Enable = 1,
  Cancel = 2,
}

export interface DowngradeResponse {
  header?: ResponseHeader;
  // The cluster version, major.minor.
  version: string;
}

export interface HashKVResponse {
  header?: ResponseHeader;
  hash: bigint;
  compact_revision: bigint;
  // 3.6 and later: the revision the hash was computed to.
  hash_revision: bigint;
}

export enum AlarmAction {
  Get = 0,
  Activate = 1,
  Deactivate = 2,
}

export enum AlarmType {
  None = 0,
  NoSpace = 1,
  Corrupt = 2,
}

export interface AlarmMember {
  memberID: bigint;
  alarm: AlarmType;
}

export interface AlarmResponse {
  header?: ResponseHeader;
  alarms: AlarmMember[];
}

export interface LeaseGrantResponse {
  header?: ResponseHeader;
  ID: bigint;
  TTL: bigint;
  error: string;
}

export interface LeaseKeepAliveResponse {
  header?: ResponseHeader;
  ID: bigint;
  TTL: bigint;
}

export interface LeaseTimeToLiveResponse {
  header?: ResponseHeader;
  ID: bigint;
  TTL: bigint;
  grantedTTL: bigint;
  keys: Buffer[];
}

export interface LeaseLeasesResponse {
  header?: ResponseHeader;
  leases: { ID: bigint }[];
}

export enum PermType {
  Read = 0,
  Write = 1,
  ReadWrite = 2,
}

export interface Permission {
  permType: PermType;
  key: Buffer;
  range_end: Buffer;
}

export interface AuthUserGetResponse {
  header?: ResponseHeader;
  roles: string[];
}

export interface AuthRoleGetResponse {
  header?: ResponseHeader;
  perm: Permission[];
}

export interface AuthUserListResponse {
  header?: ResponseHeader;
  users: string[];
}

export interface AuthRoleListResponse {
  header?: ResponseHeader;
  roles: string[];
}

export interface AuthStatusResponse {
  header?: ResponseHeader;
  enabled: boolean;
  authRevision: bigint;
}

export interface SnapshotResponse {
  remaining_bytes: bigint;
  blob: Buffer;
  version: string;
}
