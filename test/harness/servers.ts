// The etcd versions server-behaviour tests run against. The build bundles
// each such test file once per version (scripts/build.mjs); the bundle calls
// useServer() before the file's tests are registered, so everything a test
// starts in that process is of one version.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { SERVERS, type ServerVersion } from './versions.js';

export { SERVERS, type ServerVersion };

// Suites whose cost is the client's own work (a matrix of page sizes, a
// minute of load, the whole kv suite again over TLS) run in full against
// the oldest and the newest server only; this says why, for their names.
export const EDGES_ONLY =
  'run on 3.4 and 3.7 only: the client-side matrix is the same against every server, and the server behaviour it meets is covered on all four by the other tests';
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
