// check perf and check datascale: load the cluster, then judge it as
// etcdctl does (same workloads, thresholds and result lines).
import { bytes } from '../base/bytes.js';
import type * as https from 'node:https';
import { CliError, ExitCode } from '../base/errors.js';
import type { Context } from '../cli/global.js';
import type { CommandDef, Flags } from '../cli/registry.js';
import type { EtcdClient } from '../client/etcd.js';
import { prefixEnd } from '../client/prefix.js';
import { parseEndpoint } from '../client/transport.js';
import { goFixed } from '../base/gofmt.js';
import { stdout } from '../output/out.js';
import { startProgress, type Progress } from '../output/progress.js';

const LOADS: Record<string, 's' | 'm' | 'l' | 'xl'> = { s: 's', small: 's', m: 'm', medium: 'm', l: 'l', large: 'l', xl: 'xl', xLarge: 'xl' };
const PERF = { s: { limit: 150, clients: 50 }, m: { limit: 1000, clients: 200 }, l: { limit: 8000, clients: 500 }, xl: { limit: 15000, clients: 1000 } };
const PERF_SECONDS = 60;
const DATASCALE = {
  s: { limit: 10000, clients: 50 },
  m: { limit: 100000, clients: 200 },
  l: { limit: 1000000, clients: 500 },
  xl: { limit: 3000000, clients: 1000 },
};
// Concurrent requests share a few HTTP/2 connections rather than one each.
const MAX_CONNECTIONS = 16;

function model(f: Flags): 's' | 'm' | 'l' | 'xl' {
  const m = LOADS[f.load as string];
  if (!m) throw new CliError(`unknown load option ${f.load}`, ExitCode.BadFeature);
  return m;
}

const out = (line: string) => {
  stdout.write(`${line}\n`);
  stdout.flush();
};

// Latencies and errors of the load, reduced as etcd's pkg/report does.
class Report {
  private readonly lats: number[] = [];
  readonly errors = new Map<string, number>();
  private readonly start = performance.now();
  private end = this.start;

  record(seconds: number, err?: Error): void {
    if (err) this.errors.set(err.message, (this.errors.get(err.message) ?? 0) + 1);
    else this.lats.push(seconds);
  }

  finish(): void {
    this.end = performance.now();
  }

  get rps(): number {
    return this.lats.length / ((this.end - this.start) / 1000);
  }

  get slowest(): number {
    return this.lats.reduce((a, b) => Math.max(a, b), 0);
  }

  get stddev(): number {
    if (this.lats.length === 0) return 0;
    const avg = this.lats.reduce((a, b) => a + b, 0) / this.lats.length;
    return Math.sqrt(this.lats.reduce((a, b) => a + (b - avg) ** 2, 0) / this.lats.length);
  }

  printErrors(): void {
    out('FAIL: too many errors');
    for (const [e, n] of this.errors) out(`FAIL: ERROR(${e}) -> ${n}`);
  }
}

// A key of `size` bytes under the prefix: a random varint, then zeros.
function randomKey(prefix: Buffer, size: number): Buffer {
  const k = Buffer.alloc(size);
  const { randomBytes } = require('node:crypto') as typeof import('node:crypto');
  let v = randomBytes(8).readBigUInt64BE() >> 1n;
  // Go's binary.PutVarint: zig-zag, then 7 bits a byte.
  v <<= 1n;
  let i = 0;
  while (v >= 0x80n) {
    k[i++] = Number(v & 0x7fn) | 0x80;
    v >>= 7n;
  }
  k[i] = Number(v);
  return Buffer.concat([prefix, k]);
}

// The check's connections, after making sure its prefix is unused.
async function prepare(ctx: Context, f: Flags, workers: number): Promise<{ prefix: Buffer; clients: EtcdClient[]; first: EtcdClient }> {
  const prefix = bytes(f.prefix as string);
  const clients: EtcdClient[] = [];
  const endpoints = await ctx.endpoints();
  for (let i = 0; i < Math.min(workers, MAX_CONNECTIONS); i++) clients.push(await ctx.clientFor(endpoints));
  const first = clients[0]!;
  const used = await first.range({ key: prefix, range_end: prefixEnd(prefix), limit: 1n });
  if (used.count > 0n)
    throw new CliError(`prefix ${JSON.stringify(f.prefix)} has keys. Delete with etcdctl del --prefix ${f.prefix} first`, ExitCode.InvalidInput);
  return { prefix, clients, first };
}

// Deletes the check's keys; with --auto-compact compacts at that revision,
// with --auto-defrag defragments every endpoint.
async function cleanUp(ctx: Context, client: EtcdClient, prefix: Buffer, f: Flags, onDeleteError: (e: Error) => void): Promise<void> {
  let rev: bigint;
  try {
    rev = (await client.deleteRange({ key: prefix, range_end: prefixEnd(prefix) }, { deadline: Date.now() + 30000 })).header?.revision ?? 0n;
  } catch (e) {
    onDeleteError(e as Error);
    return;
  }
  if (f['auto-compact']) {
    out(`Compacting with revision ${rev}`);
    await client.compact(rev, false, { deadline: ctx.commandDeadline() });
    out(`Compacted with revision ${rev}`);
  }
  if (f['auto-defrag']) {
    for (const ep of await ctx.endpoints()) {
      out(`Defragmenting ${JSON.stringify(ep)}`);
      await (await ctx.clientFor([ep])).defragment({ deadline: ctx.commandDeadline() });
      out(`Defragmented ${JSON.stringify(ep)}`);
    }
  }
}

// Runs `workers` loops that each take the next job until `next` returns undefined.
async function pool(
  clients: EtcdClient[],
  workers: number,
  next: () => Promise<Buffer | undefined>,
  value: Buffer,
  report: Report,
  done: () => void,
): Promise<void> {
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      const client = clients[w % clients.length]!;
      for (let key = await next(); key; key = await next()) {
        const t = performance.now();
        try {
          await client.put({ key, value });
          report.record((performance.now() - t) / 1000);
        } catch (e) {
          report.record(0, e as Error);
        }
        done();
      }
    }),
  );
}

const COMMON_FLAGS = (what: string, prefix: string): CommandDef['flags'] => [
  { name: 'auto-compact', kind: 'bool', def: 'false', help: 'Compact storage with last revision after test is finished.' },
  { name: 'auto-defrag', kind: 'bool', def: 'false', help: 'Defragment storage after test is finished.' },
  { name: 'load', kind: 'string', def: 's', help: `The ${what} check's workload model. Accepted workloads: s(small), m(medium), l(large), xl(xLarge)` },
  { name: 'prefix', kind: 'string', def: prefix, help: `The prefix for writing the ${what} check's keys.` },
];

const perfCommand: CommandDef = {
  name: 'perf',
  usage: 'perf [options]',
  summary: 'Check the performance of the etcd cluster',
  flags: COMMON_FLAGS('performance', '/etcdctl-check-perf/'),
  async run(ctx, _args, f) {
    const cfg = PERF[model(f)];
    const { prefix, clients, first } = await prepare(ctx, f, cfg.clients);

    const report = new Report();
    const progress: Progress = await startProgress(`0 / ${PERF_SECONDS}`);
    const started = performance.now();
    const ticker = setInterval(() => progress.update(`${Math.min(PERF_SECONDS, Math.floor((performance.now() - started) / 1000))} / ${PERF_SECONDS}`), 1000);
    const stop = new AbortController();
    const timer = setTimeout(() => stop.abort(), PERF_SECONDS * 1000);
    const interrupted = () => {
      stop.abort();
      void cleanUp(ctx, first, prefix, {}, () => undefined);
    };
    process.once('SIGINT', interrupted);

    // `limit` puts a second. Workers ask only when free, so a backlog comes
    // only from timer granularity; after a stall with every worker busy the
    // schedule restarts instead of bursting (a token bucket of size one).
    const interval = 1000 / cfg.limit;
    let base = performance.now();
    let issued = 0;
    const next = async (): Promise<Buffer | undefined> => {
      for (;;) {
        if (stop.signal.aborted) return undefined;
        const due = base + issued * interval;
        const now = performance.now();
        if (now >= due) {
          if (now - due > interval) base = now - issued * interval;
          issued++;
          return randomKey(prefix, 256);
        }
        await new Promise((r) => setTimeout(r, due - now));
      }
    };
    await pool(clients, cfg.clients, next, Buffer.alloc(1024), report, () => undefined);
    report.finish();
    clearTimeout(timer);
    clearInterval(ticker);
    process.off('SIGINT', interrupted);
    progress.done();

    await cleanUp(ctx, first, prefix, f, (e) => out(`FAIL: Cleanup failed during key deletion: ERROR(${e.message})`));
    let ok = true;
    if (report.errors.size > 0) {
      report.printErrors();
      ok = false;
    }
    const rps = Math.trunc(report.rps) + 1;
    if (report.rps / cfg.limit <= 0.9) {
      out(`FAIL: Throughput too low: ${rps} writes/s`);
      ok = false;
    } else out(`PASS: Throughput is ${rps} writes/s`);
    if (report.slowest > 0.5) {
      out(`Slowest request took too long: ${report.slowest.toFixed(6)}s`);
      ok = false;
    } else out(`PASS: Slowest request took ${report.slowest.toFixed(6)}s`);
    if (report.stddev > 0.1) {
      out(`Stddev too high: ${report.stddev.toFixed(6)}s`);
      ok = false;
    } else out(`PASS: Stddev is ${report.stddev.toFixed(6)}s`);
    out(ok ? 'PASS' : 'FAIL');
    if (!ok) throw new CliError('', ExitCode.Error).silent();
  },
};

// The server's resident memory from its /metrics page; 0 when unreadable.
async function residentBytes(ctx: Context): Promise<number> {
  const cfg = await ctx.config();
  const ep = parseEndpoint(cfg.endpoints[0]!, cfg.tlsByDefault);
  // A --dial-timeout of 0 or less is no bound, as http's timeout of 0 is.
  const opts: https.RequestOptions = { path: '/metrics', timeout: Math.max(0, cfg.dialTimeoutMs) };
  if (ep.socketPath) opts.socketPath = ep.socketPath;
  else [opts.host, opts.port] = [ep.host, ep.port];
  if (ep.secure)
    Object.assign(opts, {
      ca: cfg.tls.ca,
      cert: cfg.tls.cert,
      key: cfg.tls.key,
      rejectUnauthorized: !cfg.tls.insecureSkipVerify,
      servername: cfg.tls.serverName,
    });
  // Loaded here only (a bundled import() of a builtin would bypass require).
  const get = ep.secure ? (require('node:https') as typeof import('node:https')).get : (require('node:http') as typeof import('node:http')).get;
  const body = await new Promise<string>((resolve) => {
    const req = get(opts, (res) => {
      let s = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (s += c));
      res.on('end', () => resolve(s));
      res.on('error', () => resolve(''));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(''));
  });
  const m = /^process_resident_memory_bytes ([0-9.e+]+)$/m.exec(body);
  return m ? Number(m[1]) : 0;
}

const datascaleCommand: CommandDef = {
  name: 'datascale',
  usage: 'datascale [options]',
  summary: 'Check the memory usage of holding data for different workloads on a given server endpoint.',
  description: 'If no endpoint is provided, localhost will be used. If multiple endpoints are provided, first endpoint will be used.',
  flags: COMMON_FLAGS('datascale', '/etcdctl-check-datascale/'),
  async run(ctx, _args, f) {
    const cfg = DATASCALE[model(f)];
    const { prefix, clients, first } = await prepare(ctx, f, cfg.clients);

    const before = await residentBytes(ctx);
    if (before === 0) {
      out('FAIL: Could not read process_resident_memory_bytes before the put operations.');
      throw new CliError('', ExitCode.Error).silent();
    }
    out(`Start data scale check for work load [${cfg.limit} key-value pairs, 1024 bytes per key-value, ${cfg.clients} concurrent clients].`);
    const report = new Report();
    const progress = await startProgress(`0 / ${cfg.limit}`);
    let issued = 0;
    let finished = 0;
    await pool(
      clients,
      cfg.clients,
      async () => {
        if (issued >= cfg.limit) return undefined;
        issued++;
        return randomKey(prefix, 512);
      },
      Buffer.alloc(512),
      report,
      () => {
        finished++;
        if (finished % 100 === 0) progress.update(`${finished} / ${cfg.limit}`);
      },
    );
    report.finish();
    progress.done();

    const after = await residentBytes(ctx);
    if (after === 0) {
      out('FAIL: Could not read process_resident_memory_bytes after the put operations.');
      throw new CliError('', ExitCode.Error).silent();
    }
    await cleanUp(ctx, first, prefix, f, (e) => {
      throw e;
    });
    if (report.errors.size > 0) {
      report.printErrors();
      throw new CliError('', ExitCode.Error).silent();
    }
    out(`PASS: Approximate system memory used : ${goFixed((after - before) / (1024 * 1024), 2)} MB.`);
  },
};

export const checkCommand: CommandDef = {
  name: 'check',
  usage: 'check <subcommand>',
  summary: 'commands for checking properties of the etcd cluster',
  flags: [],
  subcommands: [datascaleCommand, perfCommand],
};
