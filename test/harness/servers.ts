// The etcd versions server-behaviour tests run against. The build bundles
// each such test file once per version (scripts/build.mjs); the bundle calls
// useServer() before the file's tests are registered, so everything a test
// starts in that process is of one version.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface ServerVersion {
  // Minor version: what tests branch on.
  minor: '3.4' | '3.5';
  version: string;
  etcd: string;
  // The etcdctl of the same release (3.4's is also the byte reference).
  etcdctl: string;
  // etcdutl (3.5 only): offline snapshot status/restore.
  etcdutl?: string;
}

// scripts/install-deps.sh unpacks etcd 3.5 here.
const dir35 = process.env.ETCD35_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'etcdctl-ts', 'etcd-3.5.30');

export const SERVERS: Record<ServerVersion['minor'], ServerVersion> = {
  '3.4': { minor: '3.4', version: '3.4.23', etcd: process.env.ETCD_BIN ?? 'etcd', etcdctl: process.env.ETCDCTL_BIN ?? 'etcdctl' },
  '3.5': { minor: '3.5', version: '3.5.30', etcd: join(dir35, 'etcd'), etcdctl: join(dir35, 'etcdctl'), etcdutl: join(dir35, 'etcdutl') },
};

let current: ServerVersion = SERVERS['3.4'];

// Chooses the server for this test process and checks that the binary is
// that release, so a suite never passes against the wrong version.
export function useServer(minor: ServerVersion['minor']): ServerVersion {
  const s = SERVERS[minor];
  if (s.etcd.includes('/') && !existsSync(s.etcd)) throw new Error(`etcd ${s.version} not found at ${s.etcd}: run scripts/install-deps.sh`);
  const out = execFileSync(s.etcd, ['--version'], { encoding: 'utf8' });
  if (!out.includes(`etcd Version: ${s.version}\n`)) throw new Error(`${s.etcd} is not etcd ${s.version}: ${out.split('\n')[0]}`);
  current = s;
  return s;
}

export const server = (): ServerVersion => current;
