// Throwaway etcd servers for tests: free loopback ports, temporary data
// dirs, readiness and identity checks, and teardown that always runs.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ETCD_BIN = process.env.ETCD_BIN ?? 'etcd';

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

export interface EtcdServer {
  name: string;
  dataDir: string;
  clientPort: number;
  peerPort: number;
  endpoint: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

async function waitReady(s: { clientPort: number; name: string; proc: ChildProcess }, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (s.proc.exitCode !== null) throw new Error(`etcd ${s.name} exited with ${s.proc.exitCode}`);
    try {
      const health = await fetch(`http://127.0.0.1:${s.clientPort}/health`, { signal: AbortSignal.timeout(1000) });
      const body = (await health.json()) as { health?: string };
      if (body.health === 'true') {
        // Another server may hold the port: make sure this one is ours.
        const res = await fetch(`http://127.0.0.1:${s.clientPort}/v3/cluster/member/list`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(1000) });
        const members = ((await res.json()) as { members?: { name?: string }[] }).members ?? [];
        if (!members.some((m) => m.name === s.name)) throw new Error(`server on port ${s.clientPort} is not ${s.name}`);
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

function launch(name: string, dataDir: string, clientPort: number, peerPort: number, extra: string[], initial: string[]): ChildProcess {
  const log = openSync(`${dataDir}.log`, 'a');
  return spawn(
    ETCD_BIN,
    [
      '--name', name,
      '--data-dir', dataDir,
      '--listen-client-urls', `http://127.0.0.1:${clientPort}`,
      '--advertise-client-urls', `http://127.0.0.1:${clientPort}`,
      '--listen-peer-urls', `http://127.0.0.1:${peerPort}`,
      ...initial,
      ...extra,
    ],
    { stdio: ['ignore', log, log] },
  );
}

function stopper(proc: ChildProcess): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      proc.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      proc.kill('SIGTERM');
    });
}

const tempRoots: string[] = [];
process.on('exit', () => {
  for (const d of tempRoots) rmSync(d, { recursive: true, force: true });
});

export function tempDir(prefix = 'etcdctl-ts-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  tempRoots.push(d);
  return d;
}

// Starts a single-member etcd on free ports.
export async function startEtcd(extra: string[] = []): Promise<EtcdServer> {
  const root = tempDir();
  const name = `t-${randomBytes(4).toString('hex')}`;
  for (let attempt = 0; ; attempt++) {
    const [clientPort, peerPort] = [await freePort(), await freePort()];
    const dataDir = join(root, `data-${attempt}`);
    const peer = `http://127.0.0.1:${peerPort}`;
    const proc = launch(name, dataDir, clientPort, peerPort, extra, [
      '--initial-advertise-peer-urls', peer,
      '--initial-cluster', `${name}=${peer}`,
      '--initial-cluster-token', name,
    ]);
    try {
      await waitReady({ clientPort, name, proc }, 20000);
      return { name, dataDir, clientPort, peerPort, endpoint: `127.0.0.1:${clientPort}`, proc, stop: stopper(proc) };
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
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const proc = launch(src.name, dataDir, clientPort, peerPort, [], []);
  try {
    await waitReady({ clientPort, name: src.name, proc }, 20000);
  } catch (e) {
    await stopper(proc)();
    throw e;
  }
  return { ...src, dataDir, clientPort, peerPort, endpoint: `127.0.0.1:${clientPort}`, proc, stop: stopper(proc) };
}
