// Throwaway etcd servers for tests: free loopback ports, temporary data
// dirs, readiness and identity checks, and teardown that always runs.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, statfsSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { server, type ServerVersion } from './servers.js';

// Every etcd started here and not yet exited. A server that a failed
// set-up never handed to its test would keep the test file running for
// ever: after the file's tests, whatever is left is killed.
const running = new Set<ChildProcess>();
after(() => {
  for (const p of running) p.kill('SIGKILL');
});

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

// Client-side TLS for an etcd started with --cert-file (and, with
// clientCertAuth, --client-cert-auth --trusted-ca-file).
export interface ServerTls {
  cert: string;
  key: string;
  ca: string;
  clientCertAuth?: boolean;
  // Used by the harness itself to check readiness.
  clientCert?: string;
  clientKey?: string;
}

export interface EtcdServer {
  name: string;
  version: ServerVersion;
  dataDir: string;
  clientPort: number;
  peerPort: number;
  endpoint: string;
  proc: ChildProcess;
  tls?: ServerTls;
  stop(): Promise<void>;
  // Ends the process at once (SIGKILL), as a crash or power loss would.
  kill(): Promise<void>;
  // Starts a stopped server again on the same ports and data dir.
  start(): Promise<void>;
  restart(): Promise<void>;
}

// One HTTP(S) request to the server's JSON gateway, parsed.
function request(port: number, path: string, tls: ServerTls | undefined): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const opts: https.RequestOptions = { host: '127.0.0.1', port, path, timeout: 1000 };
    if (tls) {
      opts.ca = readFileSync(tls.ca);
      if (tls.clientCert) opts.cert = readFileSync(tls.clientCert);
      if (tls.clientKey) opts.key = readFileSync(tls.clientKey);
    }
    const req = (tls ? https : http).request(opts, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString()));
        } catch (e) {
          reject(e);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

// Whether process `pid` holds the listening socket on 127.0.0.1:`port`
// (Linux: the socket's inode in /proc/net/tcp among the process's fds).
// Unlike asking the server who it is, this works with authentication on.
function listensOn(pid: number, port: number): boolean {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[1]?.endsWith(hex) && f[3] === '0A') inodes.add(f[9]!);
    }
  }
  if (inodes.size === 0) return false;
  const dir = `/proc/${pid}/fd`;
  for (const fd of readdirSync(dir)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(join(dir, fd)));
      if (m && inodes.has(m[1]!)) return true;
    } catch {
      // The fd was closed while we looked.
    }
  }
  return false;
}

async function waitReady(s: { clientPort: number; name: string; proc: ChildProcess; tls?: ServerTls }, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (s.proc.exitCode !== null) throw new Error(`etcd ${s.name} exited with ${s.proc.exitCode}`);
    try {
      const body = (await request(s.clientPort, '/health', s.tls)) as { health?: string };
      if (body.health === 'true') {
        // Another server may hold the port: make sure this one is ours.
        if (!listensOn(s.proc.pid!, s.clientPort)) throw new Error(`server on port ${s.clientPort} is not ${s.name}`);
        return;
      }
      last = JSON.stringify(body);
    } catch (e) {
      last = (e as Error).message;
      if (last.includes('is not')) throw e;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`etcd ${s.name} not ready after ${timeoutMs} ms: ${last}`);
}

function tlsArgs(tls: ServerTls | undefined): string[] {
  if (!tls) return [];
  const args = ['--cert-file', tls.cert, '--key-file', tls.key];
  if (tls.clientCertAuth) args.push('--client-cert-auth', '--trusted-ca-file', tls.ca);
  return args;
}

function launch(
  name: string,
  dataDir: string,
  clientPort: number,
  peerPort: number,
  extra: string[],
  initial: string[],
  tls?: ServerTls,
  version = server(),
): ChildProcess {
  const log = openSync(`${dataDir}.log`, 'a');
  const scheme = tls ? 'https' : 'http';
  const proc = spawn(
    version.etcd,
    [
      '--name',
      name,
      '--data-dir',
      dataDir,
      '--listen-client-urls',
      `${scheme}://127.0.0.1:${clientPort}`,
      '--advertise-client-urls',
      `${scheme}://127.0.0.1:${clientPort}`,
      '--listen-peer-urls',
      `http://127.0.0.1:${peerPort}`,
      ...initial,
      ...tlsArgs(tls),
      // "{client}" in an argument stands for this member's client URL.
      ...extra.map((a) => a.replaceAll('{client}', `${scheme}://127.0.0.1:${clientPort}`)),
    ],
    { stdio: ['ignore', log, log] },
  );
  running.add(proc);
  proc.once('exit', () => running.delete(proc));
  return proc;
}

function stopper(proc: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      proc.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      proc.kill(signal);
    });
}

const tempRoots: string[] = [];
process.on('exit', () => {
  for (const p of running) p.kill('SIGKILL');
  for (const d of tempRoots) rmSync(d, { recursive: true, force: true });
});

// Data dirs go on a tmpfs where there is one: etcd fsyncs every write,
// and on a shared disk those syncs, not the work, set the pace of a run
// (a killed process loses nothing the kernel holds, so crash tests still
// test what they say). ETCDCTL_TS_TEST_TMPDIR chooses another place.
const TMPFS_MAGIC = 0x01021994;
function tempRoot(): string {
  if (process.env.ETCDCTL_TS_TEST_TMPDIR) return process.env.ETCDCTL_TS_TEST_TMPDIR;
  try {
    if (statfsSync('/dev/shm').type === TMPFS_MAGIC) return '/dev/shm';
  } catch {
    // No /dev/shm: the system's temporary directory.
  }
  return tmpdir();
}
const TEMP_ROOT = tempRoot();

export function tempDir(prefix = 'etcdctl-ts-'): string {
  const d = mkdtempSync(join(TEMP_ROOT, prefix));
  tempRoots.push(d);
  return d;
}

function handle(
  name: string,
  dataDir: string,
  clientPort: number,
  peerPort: number,
  proc: ChildProcess,
  extra: string[],
  tls?: ServerTls,
  version = server(),
): EtcdServer {
  const handle: EtcdServer = {
    name,
    version,
    dataDir,
    clientPort,
    peerPort,
    endpoint: `127.0.0.1:${clientPort}`,
    proc,
    tls,
    stop: stopper(proc),
    kill: stopper(proc, 'SIGKILL'),
    start: async () => {
      // The data dir now holds the cluster, so no --initial-* flags.
      handle.proc = launch(name, dataDir, clientPort, peerPort, extra, [], tls, version);
      handle.stop = stopper(handle.proc);
      handle.kill = stopper(handle.proc, 'SIGKILL');
      await waitReady({ clientPort, name, proc: handle.proc, tls }, 20000);
    },
    restart: async () => {
      await handle.stop();
      await handle.start();
    },
  };
  return handle;
}

// Starts a single-member etcd on free ports (of this process's version
// unless another is asked for).
export async function startEtcd(extra: string[] = [], tls?: ServerTls, version = server()): Promise<EtcdServer> {
  const root = tempDir();
  const name = `t-${randomBytes(4).toString('hex')}`;
  for (let attempt = 0; ; attempt++) {
    const [clientPort, peerPort] = [await freePort(), await freePort()];
    const dataDir = join(root, `data-${attempt}`);
    const peer = `http://127.0.0.1:${peerPort}`;
    const proc = launch(
      name,
      dataDir,
      clientPort,
      peerPort,
      extra,
      ['--initial-advertise-peer-urls', peer, '--initial-cluster', `${name}=${peer}`, '--initial-cluster-token', name],
      tls,
      version,
    );
    try {
      await waitReady({ clientPort, name, proc, tls }, 20000);
      return handle(name, dataDir, clientPort, peerPort, proc, extra, tls, version);
    } catch (e) {
      await stopper(proc)();
      if (attempt >= 2) throw e;
    }
  }
}

// Restarts a copy of a stopped server's data dir on new client/peer ports:
// same cluster and member IDs and same history, for side-by-side runs.
export async function cloneEtcd(src: EtcdServer): Promise<EtcdServer> {
  const root = tempDir();
  const dataDir = join(root, 'data');
  cpSync(src.dataDir, dataDir, { recursive: true });
  // Another test may take a port between freePort() and etcd's bind: retry.
  for (let attempt = 0; ; attempt++) {
    const [clientPort, peerPort] = [await freePort(), await freePort()];
    const proc = launch(src.name, dataDir, clientPort, peerPort, [], [], src.tls, src.version);
    try {
      await waitReady({ clientPort, name: src.name, proc, tls: src.tls }, 20000);
      return handle(src.name, dataDir, clientPort, peerPort, proc, [], src.tls, src.version);
    } catch (e) {
      await stopper(proc)();
      if (attempt >= 2) throw e;
    }
  }
}

export interface EtcdCluster {
  members: EtcdServer[];
  // Every member's client endpoint, comma-separated, for --endpoints.
  endpoints: string;
  stop(): Promise<void>;
}

// Starts an n-member cluster on free loopback ports and waits until every
// member answers /health (which needs a leader) and is who it should be.
export async function startCluster(n = 3, extra: string[] = []): Promise<EtcdCluster> {
  const root = tempDir();
  const token = `c-${randomBytes(4).toString('hex')}`;
  for (let attempt = 0; ; attempt++) {
    const specs: { name: string; dataDir: string; clientPort: number; peerPort: number }[] = [];
    for (let i = 0; i < n; i++) {
      specs.push({ name: `${token}-${i}`, dataDir: join(root, `m${i}-${attempt}`), clientPort: await freePort(), peerPort: await freePort() });
    }
    const initialCluster = specs.map((s) => `${s.name}=http://127.0.0.1:${s.peerPort}`).join(',');
    const procs = specs.map((s) =>
      launch(s.name, s.dataDir, s.clientPort, s.peerPort, extra, [
        '--initial-advertise-peer-urls',
        `http://127.0.0.1:${s.peerPort}`,
        '--initial-cluster',
        initialCluster,
        '--initial-cluster-token',
        token,
        '--initial-cluster-state',
        'new',
      ]),
    );
    try {
      await Promise.all(specs.map((s, i) => waitReady({ ...s, proc: procs[i]! }, 30000)));
      const members = specs.map((s, i) => handle(s.name, s.dataDir, s.clientPort, s.peerPort, procs[i]!, extra));
      return {
        members,
        endpoints: members.map((m) => m.endpoint).join(','),
        stop: async () => {
          await Promise.all(members.map((m) => m.stop()));
        },
      };
    } catch (e) {
      await Promise.all(procs.map((p) => stopper(p)()));
      if (attempt >= 2) throw e;
    }
  }
}

export interface MemberSpec {
  name: string;
  dataDir: string;
  clientPort: number;
  peerPort: number;
}

// Starts members on data dirs that already hold a cluster (made by
// `snapshot restore`): their WAL, not flags, says who belongs.
export async function startExisting(specs: MemberSpec[], version = server()): Promise<EtcdCluster> {
  const procs = specs.map((s) =>
    launch(s.name, s.dataDir, s.clientPort, s.peerPort, [], ['--initial-advertise-peer-urls', `http://127.0.0.1:${s.peerPort}`], undefined, version),
  );
  try {
    await Promise.all(specs.map((s, i) => waitReady({ ...s, proc: procs[i]! }, 30000)));
  } catch (e) {
    await Promise.all(procs.map((p) => stopper(p)()));
    throw e;
  }
  const members = specs.map((s, i) => handle(s.name, s.dataDir, s.clientPort, s.peerPort, procs[i]!, [], undefined, version));
  return { members, endpoints: members.map((m) => m.endpoint).join(','), stop: async () => void (await Promise.all(members.map((m) => m.stop()))) };
}

// One etcd for the tests of a file or suite: started before them (then
// `setup`, to fill it), stopped after them; the handle answers with it.
export function useEtcd(o: { extra?: string[]; setup?: (srv: EtcdServer) => Promise<void> } = {}): () => EtcdServer {
  let srv: EtcdServer | undefined;
  before(async () => {
    srv = await startEtcd(o.extra);
    await o.setup?.(srv);
  });
  after(async () => {
    await srv?.stop();
  });
  return () => {
    if (!srv) throw new Error('the etcd of useEtcd() is started before the tests, not while they are declared');
    return srv;
  };
}
