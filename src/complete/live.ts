// Completion candidates from the live cluster, reached with the endpoint,
// TLS and auth flags on the command line or in ETCDCTL_*. Nothing is
// asked for: without a password on the line or in the environment, no
// credentials are sent.
import { readFileSync } from 'node:fs';
import { EtcdClient, type ClientConfig } from '../client/etcd.js';
import { PagedRange } from '../client/paged.js';
import { isNul, prefixEnd } from '../client/prefix.js';
import { NESTED, REGISTRY, resourceOfPrefix } from '../k8s/resources.js';
import { hexId, hexId16 } from '../base/gofmt.js';
import type { Lookup } from './complete.js';

// At most this many candidates: a prefix with more keys than that is
// answered one path segment at a time anyway.
const MAX_CANDIDATES = 200;
const PAGE = 64;

// Global flag values from the words on the line, over ETCDCTL_* variables.
function settings(flagWords: string[], env: NodeJS.ProcessEnv): Map<string, string> {
  const s = new Map<string, string>();
  for (const [k, v] of Object.entries(env)) if (k.startsWith('ETCDCTL_') && v !== undefined) s.set(k.slice(8).toLowerCase().replace(/_/g, '-'), v);
  for (let i = 0; i < flagWords.length; i++) {
    const w = flagWords[i]!;
    if (!w.startsWith('--')) continue;
    const eq = w.indexOf('=');
    if (eq > 0) s.set(w.slice(2, eq), w.slice(eq + 1));
    else if (i + 1 < flagWords.length && !flagWords[i + 1]!.startsWith('-')) s.set(w.slice(2), flagWords[++i]!);
    else s.set(w.slice(2), 'true');
  }
  return s;
}

function config(s: Map<string, string>, deadline: number): ClientConfig {
  const file = (name: string) => (s.get(name) ? readFileSync(s.get(name)!) : undefined);
  const yes = (name: string, def: boolean) => (s.has(name) ? s.get(name) !== 'false' : def);
  const user = s.get('user') ?? '';
  let auth: ClientConfig['auth'];
  if (s.get('password')) auth = { user, password: s.get('password')! };
  else if (user.includes(':')) auth = { user: user.slice(0, user.indexOf(':')), password: user.slice(user.indexOf(':') + 1) };
  const tls = { ca: file('cacert'), cert: file('cert'), key: file('key'), insecureSkipVerify: yes('insecure-skip-tls-verify', false) };
  return {
    endpoints: (s.get('endpoints') ?? '127.0.0.1:2379').split(',').map((e) => e.trim()),
    dialTimeoutMs: Math.max(1, deadline - Date.now()),
    tlsByDefault: Boolean(tls.ca || tls.cert || tls.key) || !yes('insecure-transport', true) || tls.insecureSkipVerify,
    tls,
    auth: !s.get('auth-jwt-token') && auth && auth.user && auth.password ? auth : undefined,
    token: s.get('auth-jwt-token') || undefined,
    maxRequestBytes: 0,
    maxRecvBytes: 0,
  };
}

// Keys under `prefix`, one path segment further: "/registry/" offers
// "/registry/pods/" once, not every pod. After a segment the scan jumps
// past everything under it, so each answer costs a few small requests.
async function keys(client: EtcdClient, prefix: string, deadline: number): Promise<{ candidates: string[]; nospace: boolean }> {
  const p = Buffer.from(prefix);
  const end = p.length === 0 ? Buffer.from([0]) : prefixEnd(p);
  let from: Buffer | undefined = p.length === 0 ? Buffer.from([0]) : p;
  const out: string[] = [];
  let segments = false;
  let revision = 0n;
  // Each jump starts a new paged read, at the revision the first one pinned.
  while (from && out.length < MAX_CANDIDATES) {
    const paged = new PagedRange(client, { key: from, range_end: end, keys_only: true, revision }, { pageSize: PAGE, deadline: () => deadline });
    from = undefined;
    scan: for await (const kvs of paged.pages()) {
      for (const kv of kvs) {
        const rest = kv.key.subarray(p.length);
        const slash = rest.indexOf(0x2f);
        const candidate = slash >= 0 ? kv.key.subarray(0, p.length + slash + 1) : kv.key;
        const text = candidate.toString('utf8');
        if (!text.includes('\n') && out.at(-1) !== text) out.push(text);
        if (out.length >= MAX_CANDIDATES) break scan;
        if (slash >= 0) {
          segments = true;
          const next = prefixEnd(candidate);
          // Past the last segment there is nothing left to jump to.
          if (!isNul(next)) from = next;
          break scan;
        }
      }
    }
    revision = paged.revision;
  }
  return { candidates: out, nospace: segments };
}

// The Kubernetes resources present under /registry, as kubectl names them.
async function resources(client: EtcdClient, deadline: number): Promise<string[]> {
  const out: string[] = [];
  for (const top of (await keys(client, REGISTRY, deadline)).candidates) {
    const segment = top.slice(REGISTRY.length).replace(/\/$/, '');
    if (!top.endsWith('/')) continue;
    if (!NESTED(segment)) out.push(resourceOfPrefix(segment));
    else for (const sub of (await keys(client, top, deadline)).candidates) if (sub.endsWith('/')) out.push(resourceOfPrefix(sub.slice(REGISTRY.length)));
  }
  return [...new Set(out)].sort();
}

export async function lookup(
  what: Lookup,
  prefix: string,
  flagWords: string[],
  env: NodeJS.ProcessEnv,
  deadline: number,
): Promise<{ candidates: string[]; nospace: boolean }> {
  const client = await EtcdClient.create(config(settings(flagWords, env), deadline));
  try {
    const o = { deadline };
    let all: string[];
    switch (what) {
      case 'key':
        return await keys(client, prefix, deadline);
      case 'member':
        all = (await client.memberList(o)).members.map((m) => hexId(m.ID));
        break;
      case 'lease':
        all = (await client.leaseLeases(o)).leases.map((l) => hexId16(l.ID));
        break;
      case 'user':
        all = (await client.userList(o)).users;
        break;
      case 'role':
        all = (await client.roleList(o)).roles;
        break;
      case 'resource':
        all = await resources(client, deadline);
        break;
    }
    return { candidates: all.filter((x) => x.startsWith(prefix)), nospace: false };
  } finally {
    client.close();
  }
}
