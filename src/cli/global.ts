// Global flags, their ETCDCTL_* variables, and what a command needs from
// them: settings, a client and a printer.
import type { Command } from 'commander';
import { FileError, readBounded } from '../base/files.js';
import { editDistance } from '../base/text.js';
import { statSync } from 'node:fs';
import * as z from 'zod/mini';
import { ConnectError, EtcdClient, NO_ENDPOINTS, type ClientConfig } from '../client/etcd.js';
import { isFormat, type Format, type Printer, type PrinterOptions } from '../output/printer.js';
import { createPrinter } from '../output/printers.js';
import { CliError, ExitCode, goPathError } from '../base/errors.js';
import { defaultValue, parseFlagValue, type FlagSpec, type FlagValue } from './flags.js';
import { formatDurationMs } from './values.js';

export const GLOBAL_FLAGS: FlagSpec[] = [
  {
    name: 'auth-jwt-token',
    kind: 'string',
    def: '',
    help: 'JWT token used for authentication (--user and --password are then ignored), as etcdctl 3.7 has it',
  },
  { name: 'cacert', kind: 'string', def: '', help: 'verify certificates of TLS-enabled secure servers using this CA bundle' },
  { name: 'cert', kind: 'string', def: '', help: 'identify secure client using this TLS certificate file' },
  { name: 'command-timeout', kind: 'duration', def: '5s', help: 'timeout for short running command (excluding dial timeout)' },
  { name: 'debug', kind: 'bool', def: 'false', help: 'enable client-side debug logging' },
  { name: 'dial-timeout', kind: 'duration', def: '2s', help: 'dial timeout for client connections' },
  { name: 'discovery-srv', short: 'd', kind: 'string', def: '', help: 'domain name to query for SRV records describing cluster endpoints' },
  { name: 'discovery-srv-name', kind: 'string', def: '', help: 'service name to query when using DNS discovery' },
  { name: 'endpoints', kind: 'strings', def: '[127.0.0.1:2379]', help: 'gRPC endpoints' },
  { name: 'hex', kind: 'bool', def: 'false', help: 'print byte strings as hex encoded strings' },
  { name: 'insecure-discovery', kind: 'bool', def: 'true', help: 'accept insecure SRV records describing cluster endpoints' },
  { name: 'insecure-skip-tls-verify', kind: 'bool', def: 'false', help: 'skip server certificate verification (for testing only)' },
  { name: 'insecure-transport', kind: 'bool', def: 'true', help: 'disable transport security for client connections' },
  { name: 'keepalive-time', kind: 'duration', def: '2s', help: 'keepalive time for client connections' },
  { name: 'keepalive-timeout', kind: 'duration', def: '6s', help: 'keepalive timeout for client connections' },
  { name: 'key', kind: 'string', def: '', help: 'identify secure client using this TLS key file' },
  { name: 'max-recv-bytes', kind: 'uint', def: '0', help: 'client-side response receive limit in bytes (0 means the largest possible)' },
  { name: 'max-request-bytes', kind: 'uint', def: '0', help: 'client-side request send limit in bytes (0 means 2 MiB)' },
  { name: 'password', kind: 'string', def: '', help: 'password for authentication (when set, --user is the name only)' },
  { name: 'user', kind: 'string', def: '', help: 'username[:password] for authentication (prompts when the password is missing)' },
  {
    name: 'write-out',
    short: 'w',
    kind: 'string',
    def: 'simple',
    help: 'set the output format (fields, json, protobuf, simple, table; jsonl for get and watch)',
  },
];

export function envName(flag: string): string {
  return `ETCDCTL_${flag.toUpperCase().replace(/-/g, '_')}`;
}

const Settings = z.object({
  'auth-jwt-token': z.string(),
  endpoints: z.array(z.string()),
  'dial-timeout': z.number(),
  'command-timeout': z.number(),
  'keepalive-time': z.number(),
  'keepalive-timeout': z.number(),
  'write-out': z.string(),
  hex: z.boolean(),
  debug: z.boolean(),
  'insecure-transport': z.boolean(),
  'insecure-skip-tls-verify': z.boolean(),
  'insecure-discovery': z.boolean(),
  cert: z.string(),
  key: z.string(),
  cacert: z.string(),
  user: z.string(),
  password: z.string(),
  'discovery-srv': z.string(),
  'discovery-srv-name': z.string(),
  'max-request-bytes': z.number(),
  'max-recv-bytes': z.number(),
});
// `inherited` holds every inherited flag, group flags (endpoint --cluster) included.
export type GlobalSettings = z.infer<typeof Settings> & { format: Format; explicit: Set<string>; inherited: Record<string, FlagValue> };

function logTimestamp(): string {
  const d = new Date();
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds() * 1000, 6)}`;
}

export function warn(line: string): void {
  process.stderr.write(`${line}\n`);
}

function displayValue(f: FlagSpec, v: FlagValue): string {
  if (f.kind === 'duration') return formatDurationMs(v as number);
  if (f.kind === 'strings') return `[${(v as string[]).join(',')}]`;
  if ((f.name === 'password' || f.name === 'auth-jwt-token') && v) return '<redacted>';
  if (f.name === 'user') return String(v).replace(/:.*$/, (m) => (m.length > 1 ? ':<redacted>' : m));
  return String(v);
}

// etcdctl echoes an unrecognized variable's value; not one whose name says
// it may hold a secret, a misspelled ETCDCTL_PASSWORD above all.
function secretLike(name: string): boolean {
  const n = name.slice('ETCDCTL_'.length).replace(/_/g, '');
  if (/PASS|PWD|SECRET|TOKEN|KEY|CRED|AUTH/.test(n)) return true;
  // One or two letters off PASSWORD or USER (USER may hold name:password).
  return ['PASSWORD', 'USER'].some((w) => editDistance(n, w) <= 2);
}

// The flags a command inherits (globals, and later persistent group flags)
// and extra ETCDCTL_* names it reads itself.
export interface EnvScope {
  flags: FlagSpec[];
  extraEnv?: string[];
}

// Applies ETCDCTL_* variables to the inherited flags, as etcdctl does when a
// command builds its client: a flag given on the command line wins (with a
// warning; etcdctl 3.4 exits here), unknown ETCDCTL_* names are warned about.
export function resolveSettings(cmd: Command, scope: EnvScope = { flags: GLOBAL_FLAGS }): GlobalSettings {
  const opts = cmd.optsWithGlobals() as Record<string, FlagValue>;
  const explicit = new Set<string>();
  const values: Record<string, FlagValue> = {};
  const known = new Set(scope.extraEnv ?? []);
  for (const f of scope.flags) {
    const source = cmd.getOptionValueSourceWithGlobals(f.name);
    const fromCli = source === 'cli';
    values[f.name] = opts[f.name] ?? defaultValue(f);
    if (fromCli) explicit.add(f.name);
    const env = envName(f.name);
    const raw = process.env[env];
    // etcdctl calls a set but empty variable unrecognized.
    if (raw !== '') known.add(env);
    if (raw === undefined || raw === '') continue;
    if (fromCli) {
      warn(`Warning: environment variable ${env} is ignored: --${f.name} was given on the command line`);
      continue;
    }
    try {
      values[f.name] = parseFlagValue(f, raw);
      explicit.add(f.name);
    } catch (e) {
      warn(`Warning: ignoring ${env}=${displayValue(f, raw)}: ${(e as Error).message}`);
    }
  }
  for (const [k, v] of Object.entries(process.env)) {
    // ETCDCTL_TS_* are etcdctl-ts's own (DNS server override, traces).
    if (k.startsWith('ETCDCTL_') && !k.startsWith('ETCDCTL_TS_') && !known.has(k))
      warn(`${logTimestamp()} W | pkg/flags: unrecognized environment variable ${k}=${secretLike(k) && v ? '<redacted>' : v}`);
  }
  const s = Settings.parse(values);
  if (s.debug) {
    for (const f of [...scope.flags].sort((a, b) => a.name.localeCompare(b.name))) {
      warn(`${envName(f.name)}=${displayValue(f, values[f.name]!)}`);
    }
  }
  const format = s['write-out'];
  if (!isFormat(format)) throw new CliError('unsupported output format', ExitCode.BadFeature);
  return { ...s, format, explicit, inherited: values };
}

// Certificates and keys are small: a device, a FIFO or a huge file given
// by mistake is refused rather than read for ever.
const TLS_FILE_LIMIT = 1 << 20;

export function readTlsFile(path: string): Buffer {
  const st = statSync(path, { throwIfNoEntry: false });
  if (st?.isDirectory()) throw new CliError(goPathError('read', path, Object.assign(new Error('EISDIR'), { code: 'EISDIR' })), ExitCode.BadArgs);
  try {
    return readBounded(path, TLS_FILE_LIMIT);
  } catch (e) {
    if (e instanceof FileError) throw new CliError(e.message, ExitCode.BadArgs);
    throw e;
  }
}

// A certificate and a key that are not a pair fail every handshake with
// OpenSSL's words; said here, naming both files.
function checkKeyPair(certPath: string, cert: Buffer, keyPath: string, key: Buffer): void {
  // Loaded here: only commands given both files pay for it.
  const { createSecureContext } = require('node:tls') as typeof import('node:tls');
  try {
    createSecureContext({ cert, key });
  } catch (e) {
    const err = new CliError('tls: private key does not match public key', ExitCode.BadArgs);
    err.hints.push(
      `--key ${keyPath} is not the key of the certificate in --cert ${certPath} (${(e as Error).message.replace(/^error:[0-9A-F]+:[^:]*:[^:]*:/, '')}): give the key that was made with it`,
    );
    throw err;
  }
}

async function askPassword(prompt: string): Promise<string> {
  const { readPassword } = await import('./prompt.js');
  return readPassword(prompt);
}

// --user and --password (or make-mirror's --dest-user and --dest-password):
// `name:password`, or a name with the password from the flag or a prompt.
export async function credentials(user: string, password: string): Promise<ClientConfig['auth']> {
  if (user === '') return undefined;
  let auth: NonNullable<ClientConfig['auth']>;
  if (password !== '') auth = { user, password };
  else {
    const idx = user.indexOf(':');
    auth = idx >= 0 ? { user: user.slice(0, idx), password: user.slice(idx + 1) } : { user, password: await askPassword('Password: ') };
  }
  // clientv3 logs in only with both; otherwise requests go without a token.
  return auth.user === '' || auth.password === '' ? undefined : auth;
}

export async function clientConfig(s: GlobalSettings): Promise<ClientConfig> {
  for (const name of ['cert', 'key', 'cacert'] as const) {
    if (s.explicit.has(name) && s[name] === '') throw new CliError(`empty string is passed to --${name} option`, ExitCode.BadArgs);
  }
  const tlsFiles = Boolean(s.cert || s.key || s.cacert);
  // With a JWT, --user and --password are ignored (no prompt), as in etcdctl 3.7.
  const token = s['auth-jwt-token'] || undefined;
  const auth = token ? undefined : await credentials(s.user, s.password);
  // The name a login was not made for, its password being empty.
  const named = s.password !== '' ? s.user : s.user.replace(/:.*/s, '');
  const userWithoutPassword = !token && !auth && named !== '' ? named : undefined;
  let endpoints = s.endpoints;
  let serverName: string | undefined;
  if (s['discovery-srv'] !== '') {
    const { discoverEndpoints } = await import('./discovery.js');
    endpoints = await discoverEndpoints(s['discovery-srv'], s['discovery-srv-name'], s['insecure-discovery']);
    serverName = s['discovery-srv'];
  }
  // etcdctl's checks and words, when its client is made.
  if (Boolean(s.cert) !== Boolean(s.key)) throw new CliError(`KeyFile and CertFile must both be present[key: ${s.key}, cert: ${s.cert}]`, ExitCode.BadArgs);
  const cert = s.cert ? readTlsFile(s.cert) : undefined;
  const key = s.key ? readTlsFile(s.key) : undefined;
  if (cert && key) checkKeyPair(s.cert, cert, s.key, key);
  return {
    endpoints,
    dialTimeoutMs: s['dial-timeout'],
    tlsByDefault: tlsFiles || !s['insecure-transport'] || s['insecure-skip-tls-verify'],
    tls: {
      ca: s.cacert ? readTlsFile(s.cacert) : undefined,
      cert,
      key,
      insecureSkipVerify: s['insecure-skip-tls-verify'],
      serverName,
    },
    auth,
    token,
    userWithoutPassword,
    maxRequestBytes: s['max-request-bytes'],
    maxRecvBytes: s['max-recv-bytes'],
    keepaliveTimeMs: s['keepalive-time'],
    keepaliveTimeoutMs: s['keepalive-timeout'],
  };
}

// What a command's action gets: lazily resolved settings, client, printer.
export class Context {
  private cached: GlobalSettings | undefined;
  private clientInstance: EtcdClient | undefined;
  private extraClients: EtcdClient[] = [];
  private cfg: Promise<ClientConfig> | undefined;
  // How many positionals came before a `--` separator (watch, lock, elect).
  dashAt: number | undefined;

  constructor(
    readonly cmd: Command,
    private readonly scope: EnvScope = { flags: GLOBAL_FLAGS },
  ) {}

  get settings(): GlobalSettings {
    if (!this.cached) this.cached = resolveSettings(this.cmd, this.scope);
    return this.cached;
  }

  // Deadline for "short" commands, from --command-timeout.
  commandDeadline(): number {
    return Date.now() + this.settings['command-timeout'];
  }

  async client(): Promise<EtcdClient> {
    this.clientInstance ??= await this.newClient(await this.config());
    return this.clientInstance;
  }

  // A client of its own for exactly these endpoints, as etcdctl makes for
  // per-member commands: no failover to another member.
  async clientFor(endpoints: string[]): Promise<EtcdClient> {
    return this.derivedClient({ endpoints });
  }

  // A client of its own, with these settings in place of the global ones
  // (make-mirror's destination).
  async derivedClient(change: Partial<ClientConfig>): Promise<EtcdClient> {
    const c = await this.newClient({ ...(await this.config()), ...change });
    this.extraClients.push(c);
    return c;
  }

  // --endpoints, or those found through --discovery-srv. None at all fails
  // as etcdctl's client does, with exit code 2.
  async endpoints(): Promise<string[]> {
    const { endpoints } = await this.config();
    if (endpoints.length === 0) throw new CliError(NO_ENDPOINTS, ExitCode.BadConnection);
    return endpoints;
  }

  config(): Promise<ClientConfig> {
    this.cfg ??= clientConfig(this.settings);
    return this.cfg;
  }

  private async newClient(cfg: ClientConfig): Promise<EtcdClient> {
    try {
      return await EtcdClient.create(cfg);
    } catch (e) {
      if (e instanceof ConnectError) throw new CliError(e.message, ExitCode.BadConnection).from(e);
      throw e;
    }
  }

  printer(opts: Partial<PrinterOptions> = {}): Printer {
    return createPrinter(this.settings.format, { hex: this.settings.hex, ...opts });
  }

  close(): void {
    this.clientInstance?.close();
    for (const c of this.extraClients) c.close();
  }
}
