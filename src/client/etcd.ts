// The typed etcd client: endpoints, dialing, deadlines, auth and error
// mapping live here and nowhere else.
import * as pb from './messages.js';
import { decode, encode, type Msg, type Schema } from './proto.js';
import { Code, Connection, GrpcError, parseEndpoint, type CallOptions, type Endpoint } from './transport.js';
import type * as T from './types.js';

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
  maxRequestBytes: number;
  maxRecvBytes: number;
  keepaliveTimeMs?: number;
  keepaliveTimeoutMs?: number;
}

// An error whose message is exactly what etcdctl prints after "Error: ".
export class EtcdError extends Error {
  constructor(
    message: string,
    readonly code: number,
    // The last transport-level failure behind a timeout, for diagnostics.
    readonly lastCause?: Error,
  ) {
    super(message);
  }
}

// Raised while creating the client (authentication); etcdctl exits 2 then.
export class ConnectError extends EtcdError {}

export interface RequestOptions {
  // Absolute time (ms since epoch) after which the call fails with
  // "context deadline exceeded"; undefined waits forever, as etcdctl does
  // for commands without --command-timeout.
  deadline?: number;
  signal?: AbortSignal;
}

const DEFAULT_MAX_SEND = 2 * 1024 * 1024;
const DEFAULT_MAX_RECV = 2 ** 31 - 1;

function toEtcdError(e: unknown, lastCause?: Error): EtcdError {
  if (e instanceof EtcdError) return e;
  if (e instanceof GrpcError) {
    if (e.code === Code.DeadlineExceeded) return new EtcdError('context deadline exceeded', e.code, lastCause ?? e.cause);
    if (e.code === Code.Canceled) return new EtcdError('context canceled', e.code, lastCause);
    if (e.code === Code.ResourceExhausted && !e.details.startsWith('etcdserver:')) {
      return new EtcdError(`rpc error: code = ResourceExhausted desc = ${e.details}`, e.code);
    }
    return new EtcdError(e.details, e.code, e.cause);
  }
  return new EtcdError((e as Error).message ?? String(e), Code.Unknown);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class EtcdClient {
  private readonly endpoints: Endpoint[];
  private conn: Connection | undefined;
  private next = 0;
  private token: string | undefined;
  private lastDialError: Error | undefined;

  private constructor(private readonly cfg: ClientConfig) {
    this.endpoints = cfg.endpoints.map((e) => parseEndpoint(e, cfg.tlsByDefault));
  }

  // Creates a client; with credentials it authenticates first, bounded by
  // the dial timeout (etcdctl fails with exit code 2 there).
  static async create(cfg: ClientConfig): Promise<EtcdClient> {
    const c = new EtcdClient(cfg);
    if (cfg.auth) {
      try {
        await c.authenticate(Date.now() + cfg.dialTimeoutMs);
      } catch (e) {
        c.close();
        const err = toEtcdError(e, c.lastDialError);
        throw new ConnectError(err.message, err.code, err.lastCause);
      }
    }
    return c;
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
    let backoff = 25;
    for (;;) {
      for (let i = 0; i < this.endpoints.length; i++) {
        if (signal?.aborted) throw new GrpcError(Code.Canceled, 'context canceled');
        const ep = this.endpoints[(this.next + i) % this.endpoints.length]!;
        const left = deadline === undefined ? this.cfg.dialTimeoutMs : Math.min(this.cfg.dialTimeoutMs, deadline - Date.now());
        if (left <= 0) throw new GrpcError(Code.DeadlineExceeded, 'context deadline exceeded');
        try {
          this.conn = await Connection.dial(ep, this.dialOptions(), left);
          this.next = (this.next + i) % this.endpoints.length;
          return this.conn;
        } catch (e) {
          this.lastDialError = (e as GrpcError).cause ?? (e as Error);
        }
      }
      if (deadline !== undefined && Date.now() + backoff >= deadline) {
        if (deadline > Date.now()) await sleep(deadline - Date.now());
        throw new GrpcError(Code.DeadlineExceeded, 'context deadline exceeded');
      }
      await sleep(backoff);
      backoff = Math.min(backoff * 2, 1000);
    }
  }

  private async authenticate(deadline: number): Promise<void> {
    const auth = this.cfg.auth!;
    const res = await this.rawUnary('/etcdserverpb.Auth/Authenticate', pb.AuthenticateRequest, pb.AuthenticateResponse, { name: auth.user, password: auth.password }, { deadline }, false);
    this.token = res.token as string;
  }

  private metadata(): Record<string, string> | undefined {
    return this.token ? { token: this.token } : undefined;
  }

  private async rawUnary(path: string, req: Schema, res: Schema, body: Msg, o: RequestOptions, withToken = true): Promise<Msg> {
    const payload = encode(req, body);
    for (;;) {
      const conn = await this.connection(o.deadline, o.signal);
      const call: CallOptions = { deadline: o.deadline, signal: o.signal, metadata: withToken ? this.metadata() : undefined };
      try {
        return decode(res, await conn.unary(path, payload, call));
      } catch (e) {
        const g = e as GrpcError;
        // A broken connection is retried on the next endpoint until the
        // deadline, like clientv3's balancer; server answers are final.
        if (g.code === Code.Unavailable && g.cause && !conn.usable) {
          this.lastDialError = g.cause;
          this.next = (this.next + 1) % this.endpoints.length;
          continue;
        }
        if (withToken && this.cfg.auth && g.code === Code.Unauthenticated && /invalid auth token/.test(g.details)) {
          await this.authenticate(o.deadline ?? Date.now() + this.cfg.dialTimeoutMs);
          continue;
        }
        throw e;
      }
    }
  }

  private async unary<R>(path: string, req: Schema, res: Schema, body: object, o: RequestOptions): Promise<R> {
    try {
      return (await this.rawUnary(path, req, res, body as Msg, o)) as R;
    } catch (e) {
      throw toEtcdError(e, this.lastDialError);
    }
  }

  range(r: T.RangeRequest, o: RequestOptions = {}): Promise<T.RangeResponse> {
    return this.unary('/etcdserverpb.KV/Range', pb.RangeRequest, pb.RangeResponse, r, o);
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

  close(): void {
    this.conn?.close();
    this.conn = undefined;
  }
}
