// The etcd releases the tests know, and where their binaries are: a table
// only. Importing it does not make a test file run once per server version
// (servers.ts does; see scripts/build.mjs).
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
    .map((l) => /^(ETCD3\d|SIGS_YAML)=(\S+)$/.exec(l.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [m[1]!, m[2]!]),
) as Record<'ETCD34' | 'ETCD35' | 'ETCD36' | 'ETCD37' | 'SIGS_YAML', string>;

// scripts/install-deps.sh puts 3.5 (Debian sid's), 3.6 and 3.7 (built) here.
const cache = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'etcdctl-ts');
const dir35 = process.env.ETCD35_DIR ?? join(cache, `etcd-${pinned.ETCD35}`);
const built = (minor: '3.6' | '3.7', version: string): ServerVersion => {
  const dir = join(cache, `etcd-${version}`);
  return { minor, version, etcd: join(dir, 'etcd'), etcdctl: join(dir, 'etcdctl'), etcdutl: join(dir, 'etcdutl') };
};

// kubectl's YAML writer (sigs.k8s.io/yaml), built by install-deps.sh from
// test/reference/k8s-yaml: one JSON document a line in, YAML and NUL out.
export const KUBECTL_YAML = join(cache, `k8s-yaml-${pinned.SIGS_YAML}`, 'k8s-yaml');

export const SERVERS: Record<ServerVersion['minor'], ServerVersion> = {
  '3.4': { minor: '3.4', version: pinned.ETCD34, etcd: process.env.ETCD_BIN ?? 'etcd', etcdctl: process.env.ETCDCTL_BIN ?? 'etcdctl' },
  '3.5': { minor: '3.5', version: pinned.ETCD35, etcd: join(dir35, 'etcd'), etcdctl: join(dir35, 'etcdctl'), etcdutl: join(dir35, 'etcdutl') },
  '3.6': built('3.6', pinned.ETCD36),
  '3.7': built('3.7', pinned.ETCD37),
};
