// gRPC over node:http2, without a gRPC library: etcd needs only unary and
// streaming calls with protobuf bodies, and loading @grpc/grpc-js plus a
// runtime .proto parser costs more than a whole `get` (see README, "Speed").
import * as http2 from 'node:http2';
import * as net from 'node:net';
import * as tls from 'node:tls';

export const enum Code {
  OK = 0,
  Canceled = 1,
  Unknown = 2,
  InvalidArgument = 3,
  DeadlineExceeded = 4,
  NotFound = 5,
  AlreadyExists = 6,
  PermissionDenied = 7,
  ResourceExhausted = 8,
  FailedPrecondition = 9,
  Aborted = 10,
  OutOfRange = 11,
  Unimplemented = 12,
  Internal = 13,
  Unavailable = 14,
  DataLoss = 15,
  Unauthenticated = 16,
}

export class GrpcError extends Error {
  constructor(
    readonly code: number,
    readonly details: string,
    readonly cause?: Error,
  ) {
    super(details);
  }
}

export interface Endpoint {
  // What the user typed, for messages.
  raw: string;
  secure: boolean;
  host: string;
  port: number;
  socketPath?: string;
}

export interface DialOptions {
  tls?: tls.ConnectionOptions;
  maxRecvBytes: number;
  maxSendBytes: number;
  // --keepalive-time/--keepalive-timeout; 0 turns pings off.
  keepaliveTimeMs?: number;
  keepaliveTimeoutMs?: number;
}

// grpc-go raises client keepalive times below 10s to 10s, and etcd answers
// more frequent pings with GOAWAY, so etcdctl's 2s default means 10s.
const MIN_KEEPALIVE_MS = 10_000;

export interface CallOptions {
  deadline?: number;
  metadata?: Record<string, string>;
  signal?: AbortSignal;
  // Where a response message larger than one chunk is gathered (default: a
  // new buffer); a caller reading many large responses reuses its own.
  alloc?: (size: number) => Buffer;
}

// 16 MiB windows let a 10 MB range arrive without waiting on WINDOW_UPDATEs.
const WINDOW = 16 * 1024 * 1024;

export function parseEndpoint(raw: string, tlsByDefault: boolean): Endpoint {
  // unix:/path (no authority) is how etcd 3.7 members advertise sockets.
  const m = /^(https?|unixs?):\/\/(.*)$/.exec(raw) ?? /^(unixs?):(.+)$/.exec(raw);
  const scheme = m?.[1];
  const rest = m ? m[2]! : raw;
  if (scheme === 'unix' || scheme === 'unixs') {
    return { raw, secure: scheme === 'unixs', host: 'localhost', port: 0, socketPath: rest };
  }
  const hostPort = rest.replace(/\/.*$/, '');
  const idx = hostPort.lastIndexOf(':');
  let host = idx >= 0 ? hostPort.slice(0, idx) : hostPort;
  const port = idx >= 0 ? Number(hostPort.slice(idx + 1)) : scheme === 'https' ? 443 : 80;
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  const secure = scheme === 'https' ? true : scheme === 'http' ? false : tlsByDefault;
  return { raw, secure, host, port };
}

// host:port for URLs and messages (IPv6 in brackets; unix sockets get
// the scheme's default port, as their URL authority is never dialled).
export function hostPort(ep: Endpoint): string {
  return `${ep.host.includes(':') ? `[${ep.host}]` : ep.host}:${ep.port || (ep.secure ? 443 : 80)}`;
}

// What messages call an endpoint: its socket path, or host:port.
export function address(ep: Endpoint): string {
  return ep.socketPath ?? hostPort(ep);
}

function frame(body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(5 + body.length);
  out[0] = 0;
  out.writeUInt32BE(body.length, 1);
  body.copy(out, 5);
  return out;
}

function decodeGrpcMessage(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function timeoutHeader(ms: number): string {
  return `${Math.max(1, Math.ceil(ms))}m`;
}

// Splits a stream of length-prefixed gRPC messages. A message within one
// chunk is a view of it; a longer one is copied into a buffer of its own
// size as its chunks arrive, so a large response is held once, not twice.
class Deframer {
  private readonly head = Buffer.alloc(5);
  private headFill = 0;
  private body: Buffer | undefined;
  private fill = 0;

  constructor(
    private readonly maxRecv: number,
    private readonly onMessage: (m: Buffer) => void,
    private readonly alloc: (size: number) => Buffer = Buffer.allocUnsafe,
  ) {}

  push(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length) {
      if (!this.body) {
        const n = Math.min(5 - this.headFill, chunk.length - off);
        chunk.copy(this.head, this.headFill, off, off + n);
        this.headFill += n;
        off += n;
        if (this.headFill < 5) return;
        this.headFill = 0;
        const need = this.head.readUInt32BE(1);
        if (need > this.maxRecv) {
          throw new GrpcError(Code.ResourceExhausted, `grpc: received message larger than max (${need} vs. ${this.maxRecv})`);
        }
        if (chunk.length - off >= need) {
          this.onMessage(chunk.subarray(off, off + need));
          off += need;
          continue;
        }
        this.body = this.alloc(need);
        this.fill = 0;
      }
      const n = Math.min(this.body.length - this.fill, chunk.length - off);
      chunk.copy(this.body, this.fill, off, off + n);
      this.fill += n;
      off += n;
      if (this.fill === this.body.length) {
        const m = this.body;
        this.body = undefined;
        this.onMessage(m);
      }
    }
  }
}

export interface Stream {
  write(body: Buffer): void;
  end(): void;
  cancel(): void;
  // While paused, no messages arrive and http2 flow control holds the server back.
  pause(): void;
  resume(): void;
}

export interface StreamHandlers {
  onMessage(m: Buffer): void;
  onEnd(err: GrpcError | null): void;
}

export class Connection {
  private closed = false;
  private active = 0;
  private lastRead = Date.now();
  private pinger: NodeJS.Timeout | undefined;

  private constructor(
    readonly endpoint: Endpoint,
    private readonly session: http2.ClientHttp2Session,
    private readonly opts: DialOptions,
  ) {
    session.on('error', () => undefined);
    session.on('close', () => {
      this.closed = true;
      if (this.pinger) clearInterval(this.pinger);
    });
    session.on('goaway', () => {
      this.closed = true;
    });
  }

  // While a call is open, a connection silent for the keepalive time is
  // pinged, and dropped when the ack does not come within the timeout, so
  // a watch on a vanished member fails over instead of hanging.
  private track(delta: number): void {
    this.active += delta;
    const every = Math.max(this.opts.keepaliveTimeMs ?? 0, MIN_KEEPALIVE_MS);
    if (this.active > 0 && !this.pinger && this.opts.keepaliveTimeMs) {
      this.pinger = setInterval(() => this.ping(every), every);
      this.pinger.unref();
    } else if (this.active === 0 && this.pinger) {
      clearInterval(this.pinger);
      this.pinger = undefined;
    }
  }

  private ping(every: number): void {
    if (Date.now() - this.lastRead < every || this.closed) return;
    const timer = setTimeout(() => this.session.destroy(new Error('keepalive ping timed out')), this.opts.keepaliveTimeoutMs || 20_000);
    timer.unref();
    this.session.ping((err) => {
      clearTimeout(timer);
      if (err) this.session.destroy(err);
      else this.lastRead = Date.now();
    });
  }

  get usable(): boolean {
    return !this.closed && !this.session.destroyed;
  }

  // Without timeoutMs the dial waits as long as the connection attempt does.
  static dial(ep: Endpoint, opts: DialOptions, timeoutMs: number | undefined): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const authority = `${ep.secure ? 'https' : 'http'}://${hostPort(ep)}`;
      let settled = false;
      let socketUp = false;
      let session: http2.ClientHttp2Session | undefined;
      let socket: net.Socket | undefined;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        session?.destroy();
        socket?.destroy();
        reject(err instanceof GrpcError ? err : new GrpcError(Code.Unavailable, err.message, err));
      };
      const closedEarly = () => fail(Object.assign(new Error('connection closed before HTTP/2 settings arrived'), { code: 'ECLOSEDEARLY' }));
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              // Tells a silent server (connected, nothing said) from no answer at all.
              const why = socketUp ? 'connected, but the server sent nothing' : 'no answer to the connection attempt';
              const cause = Object.assign(new Error(`${why} within ${timeoutMs} ms`), { code: socketUp ? 'ESILENT' : 'ETIMEDOUT' });
              fail(new GrpcError(Code.DeadlineExceeded, 'context deadline exceeded', cause));
            }, timeoutMs);
      // The socket is made here so its errors are seen: a TLS 1.3 server
      // refusing the client certificate destroys the session without a
      // session 'error' or 'close' event.
      const createConnection = (): net.Socket => {
        const where = ep.socketPath ? { path: ep.socketPath } : { host: ep.host, port: ep.port || (ep.secure ? 443 : 80) };
        socket = ep.secure
          ? tls.connect({
              servername: net.isIP(ep.host) || ep.socketPath ? undefined : ep.host,
              ...opts.tls,
              ...where,
              ALPNProtocols: ['h2'],
            } as tls.ConnectionOptions)
          : net.connect(where as net.NetConnectOpts);
        socket.once(ep.secure ? 'secureConnect' : 'connect', () => {
          socketUp = true;
        });
        socket.once('error', fail);
        socket.once('close', closedEarly);
        return socket;
      };
      session = http2.connect(authority, { settings: { initialWindowSize: WINDOW, enablePush: false }, maxSessionMemory: 64, createConnection });
      session.once('error', fail);
      session.once('close', closedEarly);
      // Ready once the server's SETTINGS arrive: a TCP connect alone also
      // succeeds against a TLS port or a silent process.
      session.once('remoteSettings', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        const s = session!;
        s.removeListener('error', fail);
        s.removeListener('close', closedEarly);
        socket!.removeListener('error', fail);
        socket!.removeListener('close', closedEarly);
        socket!.on('error', () => s.destroy());
        s.setLocalWindowSize(WINDOW);
        resolve(new Connection(ep, s, opts));
      });
    });
  }

  private request(path: string, o: CallOptions): http2.ClientHttp2Stream {
    const headers: http2.OutgoingHttpHeaders = {
      ':method': 'POST',
      ':path': path,
      'content-type': 'application/grpc',
      te: 'trailers',
      ...o.metadata,
    };
    if (o.deadline !== undefined) headers['grpc-timeout'] = timeoutHeader(o.deadline - Date.now());
    return this.session.request(headers, { endStream: false });
  }

  // Opens a call; responses are delivered to handlers until the status arrives.
  open(path: string, o: CallOptions, h: StreamHandlers): Stream {
    const req = this.request(path, o);
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    this.track(1);
    const finish = (err: GrpcError | null) => {
      if (done) return;
      done = true;
      this.track(-1);
      if (timer) clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      h.onEnd(err);
    };
    const onAbort = () => {
      req.close(http2.constants.NGHTTP2_CANCEL);
      finish(new GrpcError(Code.Canceled, 'context canceled'));
    };
    if (o.signal) {
      if (o.signal.aborted) queueMicrotask(onAbort);
      else o.signal.addEventListener('abort', onAbort, { once: true });
    }
    if (o.deadline !== undefined) {
      timer = setTimeout(
        () => {
          req.close(http2.constants.NGHTTP2_CANCEL);
          finish(new GrpcError(Code.DeadlineExceeded, 'context deadline exceeded'));
        },
        Math.max(0, o.deadline - Date.now()),
      );
    }
    const deframer = new Deframer(
      this.opts.maxRecvBytes,
      (m) => {
        if (!done) h.onMessage(m);
      },
      o.alloc,
    );
    let status: string | undefined;
    let message = '';
    const readStatus = (hdrs: http2.IncomingHttpHeaders) => {
      if (hdrs['grpc-status'] !== undefined) {
        status = String(hdrs['grpc-status']);
        message = decodeGrpcMessage(String(hdrs['grpc-message'] ?? ''));
      }
    };
    req.on('response', (hdrs) => {
      const httpStatus = Number(hdrs[':status']);
      if (httpStatus !== 200) {
        finish(new GrpcError(Code.Unavailable, `unexpected HTTP status code received from server: ${httpStatus}`));
        return;
      }
      readStatus(hdrs);
    });
    req.on('trailers', readStatus);
    req.on('data', (chunk: Buffer) => {
      this.lastRead = Date.now();
      try {
        deframer.push(chunk);
      } catch (e) {
        req.close(http2.constants.NGHTTP2_CANCEL);
        finish(e as GrpcError);
      }
    });
    // The server's deadline is ours (grpc-timeout): a stream it ends
    // without a status once that has passed ended for the deadline, even
    // if our own timer has not run yet (a busy event loop).
    const late = () => o.deadline !== undefined && Date.now() >= o.deadline;
    req.on('end', () => {
      if (status === undefined && late()) finish(new GrpcError(Code.DeadlineExceeded, 'context deadline exceeded'));
      else if (status === undefined) finish(new GrpcError(Code.Unavailable, 'stream ended without a gRPC status'));
      else if (status === '0') finish(null);
      else finish(new GrpcError(Number(status), message));
    });
    req.on('error', (err: Error) => finish(new GrpcError(Code.Unavailable, err.message, err)));
    req.on('close', () => {
      if (!done) finish(late() ? new GrpcError(Code.DeadlineExceeded, 'context deadline exceeded') : new GrpcError(Code.Unavailable, 'connection closed'));
    });
    return {
      write: (body: Buffer) => {
        if (body.length > this.opts.maxSendBytes) {
          throw new GrpcError(Code.ResourceExhausted, `trying to send message larger than max (${body.length} vs. ${this.opts.maxSendBytes})`);
        }
        req.write(frame(body));
      },
      end: () => req.end(),
      pause: () => req.pause(),
      resume: () => req.resume(),
      cancel: () => {
        req.close(http2.constants.NGHTTP2_CANCEL);
        finish(new GrpcError(Code.Canceled, 'context canceled'));
      },
    };
  }

  unary(path: string, body: Buffer, o: CallOptions): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      let reply: Buffer | undefined;
      const s = this.open(path, o, {
        onMessage: (m) => {
          reply = m;
        },
        onEnd: (err) => {
          if (err) reject(err);
          else if (!reply) reject(new GrpcError(Code.Internal, 'no response message'));
          else resolve(reply);
        },
      });
      try {
        s.write(body);
        s.end();
      } catch (e) {
        reject(e);
        s.cancel();
      }
    });
  }

  close(): void {
    this.closed = true;
    this.session.destroy();
  }
}
