// The typed etcd client: endpoints, dialing, deadlines, auth and error
// mapping live here and nowhere else.
import { isPermanent } from './endpoint-errors.js';
import * as pb from './messages.js';
import { decode, encode, type Msg, type Schema } from './proto.js';
import { address, Code, Connection, GrpcError, parseEndpoint, type CallOptions, type Endpoint, type Stream } from './transport.js';
import type * as T from './types.js';
import { parseURLs, URLError } from './urls.js';

export interface TlsConfig {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  insecureSkipVerify: boolean;
  serverName?: string;
}

export interface ClientConfig {
  endpoints: string[];
  dialTimeoutMs: number;
  // Bare host:port endpoints use TLS when this is set (TLS files given or
  // --insecure-transport=false), as etcdctl does.
  tlsByDefault: boolean;
  tls: TlsConfig;
  auth?: { user: string; password: string };
  // --auth-jwt-token: sent as is, with no login (and no renewal).
  token?: string;
  // A --user given without a password (none typed, stdin at its end): no
  // login is made, as with etcdctl, and a refusal says why.
  userWithoutPassword?: string;
  maxRequestBytes: number;
  maxRecvBytes: number;
  keepaliveTimeMs?: number;
  keepaliveTimeoutMs?: number;
}

// An error whose message is exactly what etcdctl prints after "Error: ".
export class EtcdError extends Error {
  // Plain-language causes for the line before "Error:", and the raw
  // transport detail for --debug.
  hints: string[] = [];
  detail: string[] = [];

  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

// Raised while creating the client (no endpoints, authentication); etcdctl
// exits 2 then.
export class ConnectError extends EtcdError {}

export const NO_ENDPOINTS = 'etcdclient: no available endpoints';
const RANGE = '/etcdserverpb.KV/Range';
const RANGE_STREAM = '/etcdserverpb.KV/RangeStream';
// Chunks of a RangeStream received but not yet read, before the call is paused.
const STREAM_AHEAD = 2;
const RANGE_RETRIES = 100;
const RETRY_PAUSE_MS = 50;

// The pause before the next try at a connection or a stream: 25 ms,
// doubling up to 1 s, back to 25 ms after a success.
class Backoff {
  private ms = 25;
  get pause(): number {
    return this.ms;
  }
  reset(): void {
    this.ms = 25;
  }
  async wait(): Promise<void> {
    const ms = this.ms;
    this.ms = Math.min(this.ms * 2, 1000);
    await sleep(ms);
  }
}

// How a stream may end on a member that another member need not share:
// it went away, or it is shutting down and cancels its streams.
const STREAM_RETRYABLE: ReadonlySet<number> = new Set([Code.Unavailable, Code.Canceled, Code.Internal]);

// Refusals whose way out etcd's words do not say; `user` is the one logged in as.
const REFUSALS: [RegExp, (user: string | undefined, cfg: ClientConfig) => string][] = [
  [
    /^etcdserver: mvcc: database space exceeded$/,
    () =>
      'the database has reached its size quota (etcd --quota-backend-bytes) and the cluster raised a NOSPACE alarm: it takes only reads and deletes until you compact old revisions (compaction <revision>), defragment every member (defrag --cluster) and clear the alarm (alarm disarm)',
  ],
  [
    /^etcdserver: request is too large$/,
    () =>
      'the request is larger than the server accepts (etcd --max-request-bytes, 1.5 MiB unless set): keep values smaller, or raise that limit on every member',
  ],
  [
    /^rpc error: code = ResourceExhausted desc = trying to send message larger than max/,
    () =>
      'the request is larger than --max-request-bytes allows (2 MiB unless set); the server has a limit of its own (etcd --max-request-bytes, 1.5 MiB unless set)',
  ],
  [
    /^etcdserver: invalid auth token$/,
    (_user, cfg) =>
      cfg.token !== undefined
        ? 'the server did not accept the --auth-jwt-token: it has expired, is signed with a key the server does not trust (etcd --auth-token jwt,pub-key=…), or the server does not use JWT tokens'
        : 'the login token expired and could not be renewed: run the command again',
  ],
  [
    /^etcdserver: user name is empty$/,
    (_user, cfg) =>
      cfg.token !== undefined
        ? 'the server took no user from the --auth-jwt-token (it issues simple tokens, or the token names no user): use --user instead'
        : cfg.userWithoutPassword !== undefined
          ? `authentication is enabled on this cluster, and --user ${JSON.stringify(cfg.userWithoutPassword)} came with an empty password (none given, typed or on standard input), so no login was made: give --user name:password, --password, or type it at the prompt`
          : 'authentication is enabled on this cluster: pass --user <name>[:<password>] (or set ETCDCTL_USER)',
  ],
  [
    /^etcdserver: authentication failed, invalid user ID or password$/,
    (user) =>
      user?.includes(':')
        ? `the name given with --user (${shownUser(user)}: with --password, all of --user is the name, colon included) and that password do not match a user of this cluster: give --user the name alone`
        : `the name ${JSON.stringify(user ?? '')} and that password do not match a user of this cluster: check --user (name:password) or --password`,
  ],
  [
    /^etcdserver: permission denied$/,
    (user, cfg) =>
      cfg.token !== undefined
        ? 'the user the --auth-jwt-token names has no role that allows this'
        : user === undefined
          ? 'the request needs a user whose roles allow it: pass --user <name>[:<password>]'
          : `user ${shownUser(user)} has no role that allows this: \`user get ${user.replace(/:.*/s, '')} --detail\` (as root) lists what its roles grant`,
  ],
];

// A user name as errors may show it: a name with a colon (taken whole
// with --password) may hold a password after it, which is never shown.
function shownUser(user: string): string {
  const colon = user.indexOf(':');
  return colon < 0 ? JSON.stringify(user) : `${JSON.stringify(`${user.slice(0, colon + 1)}…`)} (what follows the colon is not shown)`;
}

export interface RequestOptions {
  // Absolute time (ms since epoch) after which the call fails with
  // "context deadline exceeded"; undefined waits forever, as etcdctl does
  // for commands without --command-timeout.
  deadline?: number;
  signal?: AbortSignal;
  alloc?: (size: number) => Buffer;
}

export interface WatchHandle {
  // Settles when the watch ends; rejects with an EtcdError on a fatal error.
  done: Promise<void>;
  progress(): void;
  cancel(): void;
}

const DEFAULT_MAX_SEND = 2 * 1024 * 1024;
const DEFAULT_MAX_RECV = 2 ** 31 - 1;

function toEtcdError(e: unknown): EtcdError {
  if (e instanceof EtcdError) return e;
  if (e instanceof GrpcError) {
    if (e.code === Code.DeadlineExceeded) return new EtcdError('context deadline exceeded', e.code);
    if (e.code === Code.Canceled) return new EtcdError('context canceled', e.code);
    // grpc's own refusal (an older server, a proxy), which clientv3 does not translate.
    if (e.code === Code.Unimplemented) return new EtcdError(`rpc error: code = Unimplemented desc = ${e.details}`, e.code);
    if (e.code === Code.ResourceExhausted && !e.details.startsWith('etcdserver:')) {
      return new EtcdError(`rpc error: code = ResourceExhausted desc = ${e.details}`, e.code);
    }
    return new EtcdError(e.details, e.code);
  }
  return new EtcdError((e as Error).message ?? String(e), Code.Unknown);
}

const CODE_NAMES = [
  'OK',
  'Canceled',
  'Unknown',
  'InvalidArgument',
  'DeadlineExceeded',
  'NotFound',
  'AlreadyExists',
  'PermissionDenied',
  'ResourceExhausted',
  'FailedPrecondition',
  'Aborted',
  'OutOfRange',
  'Unimplemented',
  'Internal',
  'Unavailable',
  'DataLoss',
  'Unauthenticated',
];

function checkURLs(urls: string[]): void {
  try {
    parseURLs(urls);
  } catch (e) {
    if (e instanceof URLError) throw new EtcdError(e.message, Code.InvalidArgument);
    throw e;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class EtcdClient {
  private readonly endpoints: Endpoint[];
  private conn: Connection | undefined;
  private next = 0;
  private token: string | undefined;
  // The latest connection failure per endpoint, for the explanation.
  private readonly dialErrors = new Map<Endpoint, Error>();

  private constructor(private readonly cfg: ClientConfig) {
    this.endpoints = cfg.endpoints.map((e) => parseEndpoint(e, cfg.tlsByDefault));
  }

  // Creates a client; with credentials it authenticates first, bounded by
  // the dial timeout (etcdctl fails with exit code 2 there).
  static async create(cfg: ClientConfig): Promise<EtcdClient> {
    if (cfg.endpoints.length === 0) throw new ConnectError(NO_ENDPOINTS, Code.Unavailable);
    const c = new EtcdClient(cfg);
    c.token = cfg.token;
    if (cfg.auth) {
      try {
        await c.authenticate(c.dialDeadline());
      } catch (e) {
        c.close();
        const err = await c.explain(e);
        throw Object.assign(new ConnectError(err.message, err.code), { hints: err.hints, detail: err.detail });
      }
    }
    return c;
  }

  // --dial-timeout of 0 or less means no bound on dialling, as in clientv3.
  private dialDeadline(): number | undefined {
    return this.cfg.dialTimeoutMs > 0 ? Date.now() + this.cfg.dialTimeoutMs : undefined;
  }

  private dialOptions() {
    const t = this.cfg.tls;
    return {
      tls: {
        ca: t.ca,
        cert: t.cert,
        key: t.key,
        rejectUnauthorized: !t.insecureSkipVerify,
        servername: t.serverName,
      },
      maxRecvBytes: this.cfg.maxRecvBytes || DEFAULT_MAX_RECV,
      maxSendBytes: this.cfg.maxRequestBytes || DEFAULT_MAX_SEND,
      keepaliveTimeMs: this.cfg.keepaliveTimeMs,
      keepaliveTimeoutMs: this.cfg.keepaliveTimeoutMs,
    };
  }

  // Returns a live connection, trying endpoints in turn until one answers
  // or the deadline passes.
  private async connection(deadline: number | undefined, signal?: AbortSignal): Promise<Connection> {
    if (this.conn?.usable) return this.conn;
    this.conn = undefined;
    const backoff = new Backoff();
    for (;;) {
      for (let i = 0; i < this.endpoints.length; i++) {
        if (signal?.aborted) throw new GrpcError(Code.Canceled, 'context canceled');
        const ep = this.endpoints[(this.next + i) % this.endpoints.length]!;
        const bounds = [this.dialDeadline(), deadline].filter((d): d is number => d !== undefined);
        const left = bounds.length ? Math.min(...bounds) - Date.now() : undefined;
        if (left !== undefined && left <= 0) throw new GrpcError(Code.DeadlineExceeded, 'context deadline exceeded');
        try {
          this.conn = await Connection.dial(ep, this.dialOptions(), left);
          this.next = (this.next + i) % this.endpoints.length;
          this.dialErrors.delete(ep);
          return this.conn;
        } catch (e) {
          this.dialErrors.set(ep, (e as GrpcError).cause ?? (e as Error));
        }
      }
      // etcdctl retries until the deadline whatever the cause; a bad
      // certificate or an unknown host fails the same way every time.
      if (
        this.endpoints.every((ep) => {
          const err = this.dialErrors.get(ep);
          return err !== undefined && isPermanent(err);
        })
      ) {
        throw new GrpcError(Code.DeadlineExceeded, 'context deadline exceeded');
      }
      if (deadline !== undefined && Date.now() + backoff.pause >= deadline) {
        if (deadline > Date.now()) await sleep(deadline - Date.now());
        throw new GrpcError(Code.DeadlineExceeded, 'context deadline exceeded');
      }
      await backoff.wait();
    }
  }

  // After a stream (watch, keep-alive) ended on `conn` with `outcome`
  // (null: it ended cleanly but must be reopened): 'again' once logged in
  // anew, 'next' to try the next member after a pause; throws what no
  // other member would change.
  private async afterStream(conn: Connection, outcome: GrpcError | null): Promise<'again' | 'next'> {
    if (outcome?.code === Code.Unauthenticated && this.cfg.auth) {
      if (await this.logInAgain()) return 'again';
    } else if (outcome) {
      if (!STREAM_RETRYABLE.has(outcome.code)) throw await this.explain(outcome);
      if (outcome.cause) this.dialErrors.set(conn.endpoint, outcome.cause);
    }
    this.rotate(conn);
    return 'next';
  }

  private async authenticate(deadline: number | undefined): Promise<void> {
    const auth = this.cfg.auth!;
    const res = await this.rawUnary(
      '/etcdserverpb.Auth/Authenticate',
      pb.AuthenticateRequest,
      pb.AuthenticateResponse,
      { name: auth.user, password: auth.password },
      { deadline },
      false,
    );
    this.token = res.token as string;
  }

  // A watch or keep-alive whose token the server dropped (a restart drops
  // them all) logs in again. A member still starting may not answer within
  // the dial timeout: false then, and the stream backs off and retries, as
  // it does when the member is down.
  private async logInAgain(): Promise<boolean> {
    try {
      await this.authenticate(this.dialDeadline());
      return true;
    } catch (e) {
      const code = (e as GrpcError).code;
      if (code === Code.DeadlineExceeded || code === Code.Unavailable) return false;
      throw e;
    }
  }

  private metadata(): Record<string, string> | undefined {
    return this.token ? { token: this.token } : undefined;
  }

  private async rawUnary(path: string, req: Schema, res: Schema, body: Msg, o: RequestOptions, withToken = true): Promise<Msg> {
    const payload = encode(req, body);
    for (let attempt = 0; ; attempt++) {
      const conn = await this.connection(o.deadline, o.signal);
      const call: CallOptions = { deadline: o.deadline, signal: o.signal, alloc: o.alloc, metadata: withToken ? this.metadata() : undefined };
      try {
        return decode(res, await conn.unary(path, payload, call));
      } catch (e) {
        const g = e as GrpcError;
        // A broken connection is retried on the next endpoint until the
        // deadline, like clientv3's balancer; server answers are final.
        // A read is retried even when the member died with the request
        // under way (a paged read then goes on at its pinned revision).
        if (g.code === Code.Unavailable && !conn.usable && (g.cause || path === RANGE)) {
          this.dialErrors.set(conn.endpoint, g.cause ?? g);
          this.next = (this.next + 1) % this.endpoints.length;
          continue;
        }
        // A member that says it cannot serve now (its leader changed or is
        // gone) is asked again after a pause, as clientv3 retries reads,
        // until the deadline.
        if (
          g.code === Code.Unavailable &&
          conn.usable &&
          path === RANGE &&
          attempt < RANGE_RETRIES &&
          (o.deadline === undefined || Date.now() + RETRY_PAUSE_MS < o.deadline)
        ) {
          await new Promise((r) => setTimeout(r, RETRY_PAUSE_MS));
          continue;
        }
        if (withToken && this.cfg.auth && g.code === Code.Unauthenticated && /invalid auth token/.test(g.details)) {
          await this.authenticate(o.deadline ?? this.dialDeadline());
          continue;
        }
        throw e;
      }
    }
  }

  private async unary<R>(path: string, req: Schema, res: Schema, body: object, o: RequestOptions): Promise<R> {
    const started = Date.now();
    try {
      return (await this.rawUnary(path, req, res, body as Msg, o)) as R;
    } catch (e) {
      throw await this.explain(e, o.deadline !== undefined && o.deadline <= started);
    }
  }

  // Maps a failure to etcdctl's error and, when the cause was the
  // connection, adds what went wrong with each endpoint. `noTime`: the
  // request's deadline had passed before it started.
  private async explain(e: unknown, noTime = false): Promise<EtcdError> {
    const err = toEtcdError(e);
    if (e instanceof GrpcError) err.detail.push(`rpc error: code = ${CODE_NAMES[e.code] ?? e.code} desc = ${e.details}`);
    const refusal = REFUSALS.find(([re]) => re.test(err.message));
    if (refusal) {
      err.hints.push(refusal[1](this.cfg.auth?.user, this.cfg));
      return err;
    }
    if (err.code === Code.DeadlineExceeded && noTime) {
      err.hints.push('the request was given no time: --command-timeout must be longer than 0s (the default is 5s)');
      return err;
    }
    if (err.code !== Code.DeadlineExceeded && err.code !== Code.Unavailable) return err;
    const probeTimeoutMs = this.cfg.dialTimeoutMs > 0 ? Math.min(1000, this.cfg.dialTimeoutMs) : 1000;
    const { cert, key } = this.cfg.tls;
    const halfPair = cert && !key ? ('cert' as const) : key && !cert ? ('key' as const) : undefined;
    const ctx = { tls: this.dialOptions().tls, clientCert: Boolean(cert && key), halfPair, probeTimeoutMs };
    const failed = this.endpoints.filter((ep) => this.dialErrors.has(ep));
    // Loaded only on failure: its probes need http/https, which a working command never does.
    const { diagnose } = await import('./diagnose.js');
    // Endpoints written the same way fail the same way: one line each.
    const hints = await Promise.all(failed.map((ep) => diagnose(ep, this.dialErrors.get(ep)!, ctx)));
    err.hints.push(...new Set(hints));
    for (const ep of failed) {
      const cause = this.dialErrors.get(ep) as Error & { code?: string };
      err.detail.push(`${address(ep)}: ${cause.code ? `${cause.code}: ` : ''}${cause.message}`);
    }
    // A member took the request and stayed silent: with others dead too, that is the cause to name.
    if (err.code === Code.DeadlineExceeded && (this.conn || failed.length === 0)) {
      const where = this.conn ? address(this.conn.endpoint) : this.endpoints.map(address).join(', ');
      err.hints.push(
        `${where} accepted the request but gave no answer in time: the cluster may have no leader (quorum lost, or an election after the leader died; retry once one is elected), or the request needs a longer --command-timeout`,
      );
    }
    return err;
  }

  range(r: T.RangeRequest, o: RequestOptions = {}): Promise<T.RangeResponse> {
    return this.unary(RANGE, pb.RangeRequest, pb.RangeResponse, r, o);
  }

  // KV.RangeStream (etcd 3.7): the range in chunks, handed out as they
  // arrive; only the last has the header, `more` and `count`. The call is
  // paused while chunks wait unread, so a slow reader holds the server
  // back instead of filling the heap. `deadline` bounds the wait for each
  // chunk, not the whole read.
  //
  // At a pinned revision (r.revision > 0) a stream that breaks, or whose
  // token expired, is opened again after the last key handed out, on the
  // next endpoint, as a watch is: the chunks then continue the same range.
  async *rangeStream(r: T.RangeRequest, o: { deadline?: () => number | undefined; signal?: AbortSignal } = {}): AsyncGenerator<T.RangeResponse> {
    let req = r;
    // Keys handed out in all, and before the current call was opened.
    let handed = 0n;
    let before = 0n;
    const limit = r.limit ?? 0n;
    const resumable = (r.revision ?? 0n) > 0n && !r.count_only;
    for (let attempt = 0; ; attempt++) {
      let conn: Connection;
      try {
        conn = await this.connection(o.deadline?.(), o.signal);
      } catch (e) {
        throw await this.explain(e);
      }
      const queue: T.RangeResponse[] = [];
      let ended: GrpcError | null | undefined;
      let wake: (() => void) | undefined;
      let timer: NodeJS.Timeout | undefined;
      const s = conn.open(
        RANGE_STREAM,
        { signal: o.signal, metadata: this.metadata() },
        {
          onMessage: (m) => {
            queue.push(
              (decode(pb.RangeStreamResponse, m) as unknown as { range_response?: T.RangeResponse }).range_response ?? { kvs: [], more: false, count: 0n },
            );
            if (queue.length >= STREAM_AHEAD) s.pause();
            wake?.();
          },
          onEnd: (err) => {
            ended = err;
            wake?.();
          },
        },
      );
      let last: Buffer | undefined;
      try {
        s.write(encode(pb.RangeRequest, req as unknown as Msg));
        s.end();
        for (;;) {
          const chunk = queue.shift();
          if (chunk) {
            if (queue.length < STREAM_AHEAD) s.resume();
            const k = chunk.kvs.at(-1)?.key;
            if (k) last = k;
            handed += BigInt(chunk.kvs.length);
            if (chunk.header && req !== r) {
              // A resumed call counted only what it was asked for; one
              // that only counted the rest says whether --limit left keys.
              chunk.count += before;
              if (req.count_only) chunk.more = chunk.count > handed;
            }
            yield chunk;
            continue;
          }
          if (ended !== undefined) break;
          const deadline = o.deadline?.();
          await new Promise<void>((resolve) => {
            wake = resolve;
            if (deadline !== undefined) timer = setTimeout(() => s.cancel(), Math.max(0, deadline - Date.now()));
          });
          wake = undefined;
          clearTimeout(timer);
        }
      } finally {
        clearTimeout(timer);
        if (ended === undefined) s.cancel();
      }
      if (ended === null) return;
      const g = ended as GrpcError;
      const timedOut = g.code === Code.Canceled && !o.signal?.aborted;
      const broken = g.code === Code.Unavailable && !conn.usable;
      const expired = this.cfg.auth !== undefined && g.code === Code.Unauthenticated && /invalid auth token/.test(g.details);
      if (resumable && attempt < RANGE_RETRIES && (broken || expired)) {
        if (broken) {
          this.dialErrors.set(conn.endpoint, g.cause ?? g);
          this.rotate(conn);
        } else await this.authenticate(this.dialDeadline());
        before = handed;
        const key = last ? Buffer.concat([last, Buffer.from([0])]) : req.key;
        const left = limit > 0n ? limit - handed : 0n;
        req = limit > 0n && left === 0n ? { ...r, key, limit: 0n, count_only: true } : { ...r, key, limit: left };
        continue;
      }
      throw await this.explain(timedOut ? new GrpcError(Code.DeadlineExceeded, 'context deadline exceeded') : g);
    }
  }

  put(r: T.PutRequest, o: RequestOptions = {}): Promise<T.PutResponse> {
    return this.unary('/etcdserverpb.KV/Put', pb.PutRequest, pb.PutResponse, r, o);
  }

  deleteRange(r: T.DeleteRangeRequest, o: RequestOptions = {}): Promise<T.DeleteRangeResponse> {
    return this.unary('/etcdserverpb.KV/DeleteRange', pb.DeleteRangeRequest, pb.DeleteRangeResponse, r, o);
  }

  txn(r: T.TxnRequest, o: RequestOptions = {}): Promise<T.TxnResponse> {
    return this.unary('/etcdserverpb.KV/Txn', pb.TxnRequest, pb.TxnResponse, r, o);
  }

  compact(revision: bigint, physical: boolean, o: RequestOptions = {}): Promise<T.CompactionResponse> {
    return this.unary('/etcdserverpb.KV/Compact', pb.CompactionRequest, pb.CompactionResponse, { revision, physical }, o);
  }

  // A watch that outlives connections: a broken stream is reopened on the
  // next endpoint from the revision after the last one seen, and an
  // expired token is renewed first. Ends when the server cancels the watch
  // (that response is delivered) or `cancel()` is called.
  watch(req: T.WatchCreateRequest, onResponse: (r: T.WatchResponse) => void): WatchHandle {
    const abort = new AbortController();
    let stream: Stream | undefined;
    let next = req.start_revision ?? 0n;
    const attempt = (conn: Connection) =>
      new Promise<GrpcError | 'canceled' | 'reopen'>((resolve) => {
        const metadata = { ...this.metadata(), hasleader: 'true' };
        const s = conn.open(
          '/etcdserverpb.Watch/Watch',
          { signal: abort.signal, metadata },
          {
            onMessage: (m) => {
              const r = decode(pb.WatchResponse, m) as unknown as T.WatchResponse;
              if (r.created && !r.canceled) {
                // From now on nothing before this revision can be missed.
                if (next === 0n) next = (r.header?.revision ?? 0n) + 1n;
                return;
              }
              if (r.canceled && this.cfg.auth && /invalid auth token/.test(r.cancel_reason)) {
                resolve(new GrpcError(Code.Unauthenticated, r.cancel_reason));
                s.cancel();
                return;
              }
              for (const ev of r.events) if (ev.kv && ev.kv.mod_revision >= next) next = ev.kv.mod_revision + 1n;
              onResponse(r);
              if (r.canceled) {
                // Settled before cancel(), whose own end report must not win.
                resolve('canceled');
                s.cancel();
              }
            },
            onEnd: (err) => resolve(err ?? 'reopen'),
          },
        );
        stream = s;
        s.write(encode(pb.WatchRequest, { create_request: { ...req, start_revision: next } }));
      });
    const run = async (): Promise<void> => {
      const backoff = new Backoff();
      for (;;) {
        const conn = await this.connection(undefined, abort.signal);
        const outcome = await attempt(conn);
        stream = undefined;
        if (outcome === 'canceled' || abort.signal.aborted) return;
        // The member is gone or has no leader: try the next one.
        if ((await this.afterStream(conn, outcome === 'reopen' ? null : outcome)) === 'again') continue;
        await backoff.wait();
      }
    };
    return {
      done: run(),
      progress: () => stream?.write(encode(pb.WatchRequest, { progress_request: {} })),
      cancel: () => abort.abort(),
    };
  }

  // Streams the member's backend database, chunk by chunk in order, to
  // `onChunk` (which may throw to abort). The last chunk is the sha256 of
  // all before it. Bound to one connection: a snapshot cannot move members.
  async snapshot(onChunk: (r: T.SnapshotResponse) => void, o: RequestOptions = {}): Promise<void> {
    let conn: Connection;
    try {
      conn = await this.connection(o.deadline, o.signal);
    } catch (e) {
      throw await this.explain(e);
    }
    let received = 0;
    const outcome = await new Promise<GrpcError | Error | null>((resolve) => {
      const s = conn.open(
        '/etcdserverpb.Maintenance/Snapshot',
        { deadline: o.deadline, signal: o.signal, metadata: this.metadata() },
        {
          onMessage: (m) => {
            received += m.length;
            try {
              onChunk(decode(pb.SnapshotResponse, m) as unknown as T.SnapshotResponse);
            } catch (e) {
              resolve(e as Error);
              s.cancel();
            }
          },
          onEnd: (err) => resolve(err),
        },
      );
      s.write(encode(pb.Empty, {}));
      s.end();
    });
    if (outcome instanceof GrpcError) {
      if (outcome.cause) this.dialErrors.set(conn.endpoint, outcome.cause);
      // Past its first bytes the member was answering: a deadline then is
      // the stream's length, not a cluster without a leader.
      if (outcome.code === Code.DeadlineExceeded && received > 0) {
        const err = toEtcdError(outcome);
        err.hints.push(
          `the deadline (--command-timeout) passed while ${address(conn.endpoint)} was still sending the snapshot (${received} bytes so far): give a longer --command-timeout, or none (the stream then has no deadline)`,
        );
        throw err;
      }
      throw await this.explain(outcome);
    }
    if (outcome) throw outcome;
  }

  // `linearizable` (3.5+ servers; older ones ignore it) goes through the
  // leader; without it any member answers from its own view, even without quorum.
  memberList(o: RequestOptions = {}, linearizable = false): Promise<T.MembersResponse> {
    return this.unary('/etcdserverpb.Cluster/MemberList', pb.MemberListRequest, pb.MembersResponse, { linearizable }, o);
  }

  // Bad peer URLs are refused here, as clientv3 does, with its message.
  async memberAdd(peerURLs: string[], isLearner: boolean, o: RequestOptions = {}): Promise<T.MemberAddResponse> {
    checkURLs(peerURLs);
    return this.unary('/etcdserverpb.Cluster/MemberAdd', pb.MemberAddRequest, pb.MemberAddResponse, { peerURLs, isLearner }, o);
  }

  memberRemove(ID: bigint, o: RequestOptions = {}): Promise<T.MembersResponse> {
    return this.unary('/etcdserverpb.Cluster/MemberRemove', pb.MemberIdRequest, pb.MembersResponse, { ID }, o);
  }

  async memberUpdate(ID: bigint, peerURLs: string[], o: RequestOptions = {}): Promise<T.MembersResponse> {
    checkURLs(peerURLs);
    return this.unary('/etcdserverpb.Cluster/MemberUpdate', pb.MemberUpdateRequest, pb.MembersResponse, { ID, peerURLs }, o);
  }

  memberPromote(ID: bigint, o: RequestOptions = {}): Promise<T.MembersResponse> {
    return this.unary('/etcdserverpb.Cluster/MemberPromote', pb.MemberIdRequest, pb.MembersResponse, { ID }, o);
  }

  status(o: RequestOptions = {}): Promise<T.StatusResponse> {
    return this.unary('/etcdserverpb.Maintenance/Status', pb.Empty, pb.StatusResponse, {}, o);
  }

  hashKV(revision: bigint, o: RequestOptions = {}): Promise<T.HashKVResponse> {
    return this.unary('/etcdserverpb.Maintenance/HashKV', pb.HashKVRequest, pb.HashKVResponse, { revision }, o);
  }

  defragment(o: RequestOptions = {}): Promise<T.HeaderResponse> {
    return this.unary('/etcdserverpb.Maintenance/Defragment', pb.Empty, pb.HeaderOnly, {}, o);
  }

  alarm(action: T.AlarmAction, memberID: bigint, alarm: T.AlarmType, o: RequestOptions = {}): Promise<T.AlarmResponse> {
    return this.unary('/etcdserverpb.Maintenance/Alarm', pb.AlarmRequest, pb.AlarmResponse, { action, memberID, alarm }, o);
  }

  // Downgrade (3.5 API; etcdctl's command since 3.6). Root only.
  downgrade(action: T.DowngradeAction, version: string, o: RequestOptions = {}): Promise<T.DowngradeResponse> {
    return this.unary('/etcdserverpb.Maintenance/Downgrade', pb.DowngradeRequest, pb.DowngradeResponse, { action, version }, o);
  }

  moveLeader(targetID: bigint, o: RequestOptions = {}): Promise<T.HeaderResponse> {
    return this.unary('/etcdserverpb.Maintenance/MoveLeader', pb.MoveLeaderRequest, pb.HeaderOnly, { targetID }, o);
  }

  leaseGrant(TTL: bigint, ID: bigint, o: RequestOptions = {}): Promise<T.LeaseGrantResponse> {
    return this.unary('/etcdserverpb.Lease/LeaseGrant', pb.LeaseGrantRequest, pb.LeaseGrantResponse, { TTL, ID }, o);
  }

  leaseRevoke(ID: bigint, o: RequestOptions = {}): Promise<T.HeaderResponse> {
    return this.unary('/etcdserverpb.Lease/LeaseRevoke', pb.LeaseIdRequest, pb.HeaderOnly, { ID }, o);
  }

  leaseTimeToLive(ID: bigint, keys: boolean, o: RequestOptions = {}): Promise<T.LeaseTimeToLiveResponse> {
    return this.unary('/etcdserverpb.Lease/LeaseTimeToLive', pb.LeaseTimeToLiveRequest, pb.LeaseTimeToLiveResponse, { ID, keys }, o);
  }

  leaseLeases(o: RequestOptions = {}): Promise<T.LeaseLeasesResponse> {
    return this.unary('/etcdserverpb.Lease/LeaseLeases', pb.Empty, pb.LeaseLeasesResponse, {}, o);
  }

  // Keeps a lease alive until it expires or `signal` aborts: a renewal
  // every TTL/3 seconds, each response handed to `onResponse`. A broken
  // stream is reopened on the next endpoint for as long as the lease can
  // still be alive; resolves 'expired' when the server reports TTL <= 0 or
  // that time has passed, 'stopped' on abort.
  async leaseKeepAlive(ID: bigint, onResponse: (r: T.LeaseKeepAliveResponse) => void, signal: AbortSignal): Promise<'expired' | 'stopped'> {
    let aliveUntil = Infinity;
    const backoff = new Backoff();
    const request = encode(pb.LeaseIdRequest, { ID });
    for (;;) {
      if (signal.aborted) return 'stopped';
      if (Date.now() > aliveUntil) return 'expired';
      const deadline = aliveUntil === Infinity ? undefined : aliveUntil;
      let conn: Connection;
      try {
        conn = await this.connection(deadline, signal);
      } catch (e) {
        if (signal.aborted) return 'stopped';
        if ((e as GrpcError).code === Code.DeadlineExceeded) return 'expired';
        throw await this.explain(e);
      }
      const outcome = await new Promise<GrpcError | 'expired' | null>((resolve) => {
        let timer: NodeJS.Timeout | undefined;
        const s = conn.open(
          '/etcdserverpb.Lease/LeaseKeepAlive',
          { signal, metadata: this.metadata() },
          {
            onMessage: (m) => {
              const r = decode(pb.LeaseKeepAliveResponse, m) as unknown as T.LeaseKeepAliveResponse;
              if (r.TTL <= 0n) {
                resolve('expired');
                s.cancel();
                return;
              }
              backoff.reset();
              aliveUntil = Date.now() + Number(r.TTL) * 1000;
              onResponse(r);
              timer = setTimeout(() => s.write(request), (Number(r.TTL) * 1000) / 3);
            },
            onEnd: (err) => {
              if (timer) clearTimeout(timer);
              resolve(err);
            },
          },
        );
        s.write(request);
      });
      if (outcome === 'expired') return 'expired';
      if (signal.aborted) return 'stopped';
      if ((await this.afterStream(conn, outcome)) === 'again') continue;
      await backoff.wait();
    }
  }

  // One renewal, as clientv3's KeepAliveOnce: TTL <= 0 means the lease is gone.
  async leaseKeepAliveOnce(ID: bigint, o: RequestOptions = {}): Promise<T.LeaseKeepAliveResponse> {
    const r = await this.unary<T.LeaseKeepAliveResponse>('/etcdserverpb.Lease/LeaseKeepAlive', pb.LeaseIdRequest, pb.LeaseKeepAliveResponse, { ID }, o);
    if (r.TTL <= 0n) throw new EtcdError('etcdserver: requested lease not found', Code.NotFound);
    return r;
  }

  authEnable(o: RequestOptions = {}): Promise<T.HeaderResponse> {
    return this.unary('/etcdserverpb.Auth/AuthEnable', pb.Empty, pb.HeaderOnly, {}, o);
  }

  authDisable(o: RequestOptions = {}): Promise<T.HeaderResponse> {
    return this.unary('/etcdserverpb.Auth/AuthDisable', pb.Empty, pb.HeaderOnly, {}, o);
  }

  authStatus(o: RequestOptions = {}): Promise<T.AuthStatusResponse> {
    return this.unary('/etcdserverpb.Auth/AuthStatus', pb.Empty, pb.AuthStatusResponse, {}, o);
  }

  userAdd(name: string, password: string, noPassword: boolean, o: RequestOptions = {}): Promise<T.HeaderResponse> {
    return this.unary('/etcdserverpb.Auth/UserAdd', pb.AuthUserAddRequest, pb.HeaderOnly, { name, password, options: { no_password: noPassword } }, o);
  }

  userGet(name: string, o: RequestOptions = {}): Promise<T.AuthUserGetResponse> {
    return this.unary('/etcdserverpb.Auth/UserGet', pb.NameRequest, pb.AuthUserGetResponse, { name }, o);
  }

  userList(o: RequestOptions = {}): Promise<T.AuthUserListResponse> {
    return this.unary('/etcdserverpb.Auth/UserList', pb.Empty, pb.AuthUserListResponse, {}, o);
  }

  userDelete(name: string, o: RequestOptions = {}): Promise<T.HeaderResponse> {
    return this.unary('/etcdserverpb.Auth/UserDelete', pb.NameRequest, pb.HeaderOnly, { name }, o);
  }

  userChangePassword(name: string, password: string, o: RequestOptions = {}): Promise<T.HeaderResponse> {
    return this.unary('/etcdserverpb.Auth/UserChangePassword', pb.AuthUserChangePasswordRequest, pb.HeaderOnly, { name, password }, o);
  }

  userGrantRole(user: string, role: string, o: RequestOptions = {}): Promise<T.HeaderResponse> {
    return this.unary('/etcdserverpb.Auth/UserGrantRole', pb.UserRoleRequest, pb.HeaderOnly, { user, role }, o);
  }

  userRevokeRole(user: string, role: string, o: RequestOptions = {}): Promise<T.HeaderResponse> {
    return this.unary('/etcdserverpb.Auth/UserRevokeRole', pb.UserRoleRequest, pb.HeaderOnly, { user, role }, o);
  }

  roleAdd(name: string, o: RequestOptions = {}): Promise<T.HeaderResponse> {
    return this.unary('/etcdserverpb.Auth/RoleAdd', pb.NameRequest, pb.HeaderOnly, { name }, o);
  }

  roleGet(name: string, o: RequestOptions = {}): Promise<T.AuthRoleGetResponse> {
    return this.unary('/etcdserverpb.Auth/RoleGet', pb.NameRequest, pb.AuthRoleGetResponse, { name }, o);
  }

  roleList(o: RequestOptions = {}): Promise<T.AuthRoleListResponse> {
    return this.unary('/etcdserverpb.Auth/RoleList', pb.Empty, pb.AuthRoleListResponse, {}, o);
  }

  roleDelete(name: string, o: RequestOptions = {}): Promise<T.HeaderResponse> {
    return this.unary('/etcdserverpb.Auth/RoleDelete', pb.NameRequest, pb.HeaderOnly, { name }, o);
  }

  roleGrantPermission(name: string, perm: T.Permission, o: RequestOptions = {}): Promise<T.HeaderResponse> {
    return this.unary('/etcdserverpb.Auth/RoleGrantPermission', pb.AuthRoleGrantPermissionRequest, pb.HeaderOnly, { name, perm }, o);
  }

  roleRevokePermission(role: string, key: Buffer, rangeEnd: Buffer, o: RequestOptions = {}): Promise<T.HeaderResponse> {
    return this.unary('/etcdserverpb.Auth/RoleRevokePermission', pb.AuthRoleRevokePermissionRequest, pb.HeaderOnly, { role, key, range_end: rangeEnd }, o);
  }

  // Drops a connection whose member went away or lost its leader; the next
  // call dials the next endpoint.
  private rotate(conn: Connection): void {
    if (this.conn !== conn) return;
    conn.close();
    this.conn = undefined;
    this.next = (this.next + 1) % this.endpoints.length;
  }

  close(): void {
    this.conn?.close();
    this.conn = undefined;
  }
}
