// The etcd versions server-behaviour tests run against. The build bundles
// each such test file once per version (scripts/build.mjs); the bundle calls
// useServer() before the file's tests are registered, so everything a test
// starts in that process is of one version.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export interface ServerVersion {
  // Minor version: what tests branch on.
  minor: '3.4' | '3.5' | '3.6' | '3.7';
  version: string;
  etcd: string;
  // The etcdctl of the same release (3.4's is also the byte reference).
  etcdctl: string;
  // etcdutl (3.5 on): offline snapshot status/restore.
  etcdutl?: string;
}

function findRoot(dir: string): string {
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
}

// The releases, pinned in scripts/etcd-versions.env (ETCD36=3.6.16, …).
const pinned = Object.fromEntries(
  readFileSync(join(findRoot(__dirname), 'scripts', 'etcd-versions.env'), 'utf8')
    .split('\n')
    .map((l) => /^(ETCD3\d)=(\S+)$/.exec(l.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [m[1]!, m[2]!]),
) as Record<'ETCD34' | 'ETCD35' | 'ETCD36' | 'ETCD37', string>;

// scripts/install-deps.sh puts 3.5 (Debian sid's), 3.6 and 3.7 (built) here.
const cache = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'etcdctl-ts');
const dir35 = process.env.ETCD35_DIR ?? join(cache, `etcd-${pinned.ETCD35}`);
const built = (minor: '3.6' | '3.7', version: string): ServerVersion => {
  const dir = join(cache, `etcd-${version}`);
  return { minor, version, etcd: join(dir, 'etcd'), etcdctl: join(dir, 'etcdctl'), etcdutl: join(dir, 'etcdutl') };
};

export const SERVERS: Record<ServerVersion['minor'], ServerVersion> = {
  '3.4': { minor: '3.4', version: pinned.ETCD34, etcd: process.env.ETCD_BIN ?? 'etcd', etcdctl: process.env.ETCDCTL_BIN ?? 'etcdctl' },
  '3.5': { minor: '3.5', version: pinned.ETCD35, etcd: join(dir35, 'etcd'), etcdctl: join(dir35, 'etcdctl'), etcdutl: join(dir35, 'etcdutl') },
  '3.6': built('3.6', pinned.ETCD36),
  '3.7': built('3.7', pinned.ETCD37),
};

// Suites whose cost is the client's own work (a matrix of page sizes, a
// minute of load, the whole kv suite again over TLS) run in full against
// the oldest and the newest server only; this says why, for their names.
export const EDGES_ONLY = 'run on 3.4 and 3.7 only: the client-side matrix is the same against every server, and the server behaviour it meets is covered on all four by the other tests';
export const onEdge = (): boolean => current.minor === '3.4' || current.minor === '3.7';

// Whether the server of this process is `minor` or later.
export const atLeast = (minor: ServerVersion['minor']): boolean => Number(current.minor.slice(2)) >= Number(minor.slice(2));

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
