// get, put, del and compaction. The request builders are shared with txn,
// whose op lines take the same flags and validation.
import { bytes } from '../base/bytes.js';
import { readFileSync } from 'node:fs';
import { PagedRange, pageable } from '../client/paged.js';
import { isNul } from '../client/prefix.js';
import type { EtcdClient } from '../client/etcd.js';
import { SortOrder, SortTarget, type DeleteRangeRequest, type PutRequest, type RangeRequest, type RangeResponse } from '../client/types.js';
import { CliError, ExitCode } from '../base/errors.js';
import type { FlagSpec } from '../cli/flags.js';
import type { CommandDef, Flags } from '../cli/registry.js';
import { parseInt64, ValueError } from '../cli/values.js';
import { confirm } from '../cli/prompt.js';
import { keyJson } from '../output/jsonl.js';
import { stdout } from '../output/out.js';
import type { Printer, RangeWriter } from '../output/printer.js';
import { rangeOf } from './keys.js';

// Whether a range read goes on through RangeStream after its first page,
// on servers that have it. Off by default: over 1M keys on etcd 3.7 pages
// were faster and slowed concurrent writes less (`npm run bench -- stream`,
// README "Huge keyspaces"); ETCDCTL_TS_RANGE_STREAM=on measures it again.
function streamRest(v = process.env.ETCDCTL_TS_RANGE_STREAM): boolean {
  if (v === undefined || v === '' || v === 'off') return false;
  if (v === 'on') return true;
  throw bad(`ETCDCTL_TS_RANGE_STREAM must be "on" or "off", got ${JSON.stringify(v)}`);
}

const bad = (msg: string) => new CliError(msg, ExitCode.BadArgs);
const PREFIX_AND_FROM_KEY = '`--prefix` and `--from-key` cannot be set at the same time, choose one';
const TOO_MANY_WITH_PREFIX = 'too many arguments, only accept one argument when `--prefix` or `--from-key` is set';

export const GET_FLAGS: FlagSpec[] = [
  { name: 'consistency', kind: 'string', def: 'l', help: 'Linearizable(l) or Serializable(s)' },
  { name: 'order', kind: 'string', def: '', help: 'Order of results; ASCEND or DESCEND (ASCEND by default)' },
  { name: 'sort-by', kind: 'string', def: '', help: 'Sort target; CREATE, KEY, MODIFY, VALUE, or VERSION' },
  { name: 'limit', kind: 'int', def: '0', help: 'Maximum number of results' },
  { name: 'prefix', kind: 'bool', def: 'false', help: 'Get keys with matching prefix' },
  { name: 'from-key', kind: 'bool', def: 'false', help: 'Get keys that are greater than or equal to the given key using byte compare' },
  { name: 'rev', kind: 'int', def: '0', help: 'Specify the kv revision' },
  { name: 'keys-only', kind: 'bool', def: 'false', help: 'Get only the keys' },
  { name: 'count-only', kind: 'bool', def: 'false', help: 'Get only the count' },
  { name: 'print-value-only', kind: 'bool', def: 'false', help: 'Only write values when using the "simple" output format' },
  { name: 'min-create-rev', kind: 'int', def: '0', help: 'Minimum create revision' },
  { name: 'max-create-rev', kind: 'int', def: '0', help: 'Maximum create revision' },
  { name: 'min-mod-rev', kind: 'int', def: '0', help: 'Minimum modification revision' },
  { name: 'max-mod-rev', kind: 'int', def: '0', help: 'Maximum modification revision' },
];

const SORT_TARGETS: Record<string, SortTarget> = {
  CREATE: SortTarget.Create,
  KEY: SortTarget.Key,
  MODIFY: SortTarget.Mod,
  VALUE: SortTarget.Value,
  VERSION: SortTarget.Version,
  '': SortTarget.Key,
};

export function buildGet(args: string[], f: Flags): RangeRequest {
  if (args.length === 0) throw bad('get command needs one argument as key and an optional argument as range_end');
  if (f.prefix && f['from-key']) throw bad(PREFIX_AND_FROM_KEY);
  if (f['keys-only'] && f['count-only']) throw bad('`--keys-only` and `--count-only` cannot be set at the same time, choose one');
  const consistency = f.consistency as string;
  if (consistency !== 'l' && consistency !== 's') throw new CliError(`unknown consistency flag "${consistency}"`, ExitCode.BadFeature);
  if (args.length > 1 && (f.prefix || f['from-key'])) throw bad(TOO_MANY_WITH_PREFIX);
  const order = (f.order as string).toUpperCase();
  let sortOrder = SortOrder.None;
  if (order === 'ASCEND') sortOrder = SortOrder.Ascend;
  else if (order === 'DESCEND') sortOrder = SortOrder.Descend;
  else if (order !== '') throw new CliError(`bad sort order ${f.order}`, ExitCode.BadFeature);
  const sortTarget = SORT_TARGETS[(f['sort-by'] as string).toUpperCase()];
  if (sortTarget === undefined) throw new CliError(`bad sort target ${f['sort-by']}`, ExitCode.BadFeature);
  const revPair = (min: string, max: string, label: string) => {
    const lo = f[min] as bigint;
    const hi = f[max] as bigint;
    if (lo > 0n && hi > 0n && lo > hi) throw new CliError(`getMin${label}(=${lo}) > getMax${label}(=${hi})`, ExitCode.BadFeature);
  };
  revPair('min-create-rev', 'max-create-rev', 'CreateRev');
  revPair('min-mod-rev', 'max-mod-rev', 'ModRev');
  const r = rangeOf(args[0]!, args[1], Boolean(f.prefix), Boolean(f['from-key']));
  const rev = f.rev as bigint;
  return {
    key: r.key,
    range_end: r.rangeEnd,
    limit: f.limit as bigint,
    revision: rev > 0n ? rev : 0n,
    // Key-ascending is the server's natural order; clientv3 sends NONE for it.
    sort_order: sortTarget === SortTarget.Key && sortOrder === SortOrder.Ascend ? SortOrder.None : sortOrder,
    sort_target: sortTarget,
    serializable: consistency === 's',
    keys_only: Boolean(f['keys-only']),
    count_only: Boolean(f['count-only']),
    min_create_revision: f['min-create-rev'] as bigint,
    max_create_revision: f['max-create-rev'] as bigint,
    min_mod_revision: f['min-mod-rev'] as bigint,
    max_mod_revision: f['max-mod-rev'] as bigint,
  };
}

export const PUT_FLAGS: FlagSpec[] = [
  { name: 'lease', kind: 'string', def: '0', help: 'lease ID (in hexadecimal) to attach to the key' },
  { name: 'prev-kv', kind: 'bool', def: 'false', help: 'return the previous key-value pair before modification' },
  { name: 'ignore-value', kind: 'bool', def: 'false', help: 'updates the key using its current value' },
  { name: 'ignore-lease', kind: 'bool', def: 'false', help: 'updates the key using its current lease' },
];

const PUT_ARGS = 'put command needs 1 argument and input from stdin or 2 arguments';

export function parseLeaseHex(s: string): bigint {
  try {
    return parseInt64(s, 16);
  } catch (e) {
    if (e instanceof ValueError) throw bad(`bad lease ID (${e.message}), expecting ID in Hex`);
    throw e;
  }
}

// `readStdin` is only called when the value must come from stdin.
export function buildPut(args: string[], f: Flags, readStdin: () => Buffer): PutRequest {
  if (args.length === 0) throw bad(PUT_ARGS);
  if (f['ignore-value'] && args.length > 1) throw bad("put command needs only 1 argument when 'ignore-value' is set");
  let value: Buffer = Buffer.alloc(0);
  if (!f['ignore-value']) {
    if (args.length > 1) value = bytes(args[1]!);
    else {
      value = readStdin();
      if (value.length === 0) throw bad(PUT_ARGS);
    }
  }
  const lease = parseLeaseHex(f.lease as string);
  return {
    key: bytes(args[0]!),
    value,
    lease,
    prev_kv: Boolean(f['prev-kv']),
    ignore_value: Boolean(f['ignore-value']),
    ignore_lease: Boolean(f['ignore-lease']),
  };
}

export const DEL_FLAGS: FlagSpec[] = [
  { name: 'prefix', kind: 'bool', def: 'false', help: 'delete keys with matching prefix' },
  { name: 'prev-kv', kind: 'bool', def: 'false', help: 'return deleted key-value pairs' },
  { name: 'from-key', kind: 'bool', def: 'false', help: 'delete keys that are greater than or equal to the given key using byte compare' },
  { name: 'range', kind: 'bool', def: 'false', help: 'delete range of keys' },
];

export function buildDel(args: string[], f: Flags): DeleteRangeRequest {
  if (args.length === 0 || args.length > 2) throw bad('del command needs one argument as key and an optional argument as range_end');
  if (f.prefix && f['from-key']) throw bad(PREFIX_AND_FROM_KEY);
  if (args.length > 1 && (f.prefix || f['from-key'])) throw bad(TOO_MANY_WITH_PREFIX);
  const r = rangeOf(args[0]!, args[1], Boolean(f.prefix), Boolean(f['from-key']));
  return { key: r.key, range_end: r.rangeEnd, prev_kv: Boolean(f['prev-kv']) };
}

function readAllStdin(): Buffer {
  try {
    return readFileSync(0);
  } catch {
    return Buffer.alloc(0);
  }
}

export const getCommand: CommandDef = {
  name: 'get',
  usage: 'get [options] <key> [range_end]',
  summary: 'Gets the key or a range of keys',
  flags: [
    ...GET_FLAGS,
    { name: 'page-size', kind: 'int', def: '0', help: 'Keys per request when reading a range page by page at one revision (0: sized automatically by bytes)' },
    { name: 'stream', kind: 'bool', def: 'false', help: 'Read the range in one KV.RangeStream call (etcd 3.7 and later), as etcdctl 3.7 does' },
  ],
  ownFormats: ['jsonl'],
  async run(ctx, args, f) {
    const req = buildGet(args, f);
    const pageSize = f['page-size'] as bigint;
    if (pageSize < 0n || pageSize > 0x7fffffffn) throw bad(`--page-size must be between 0 and ${0x7fffffff}, got ${pageSize}`);
    const client = await ctx.client();
    // Checked once the first answer is in, as etcdctl checks after its request.
    const printer = () => {
      const format = ctx.settings.format;
      if (f['count-only'] && format !== 'fields') throw bad('--count-only is only for `--write-out=fields`');
      if (f['print-value-only'] && format !== 'simple') throw bad('print-value-only is only for `--write-out=simple`');
      return ctx.printer({ valueOnly: Boolean(f['print-value-only']) });
    };
    if (f.stream) {
      await streamGet(client, req, printer, () => ctx.commandDeadline());
      return;
    }
    if (!pageable(req)) {
      const resp = await client.range(req, { deadline: ctx.commandDeadline() });
      printer().get(resp);
      return;
    }
    const paged = new PagedRange(client, req, { pageSize: Number(pageSize), deadline: () => ctx.commandDeadline(), stream: streamRest() });
    let w: RangeWriter | undefined;
    const start = () => {
      w = printer().range();
      w.begin(paged.header, paged.count);
      return w;
    };
    for await (const kvs of paged.pages()) (w ?? start()).kvs(kvs);
    (w ?? start()).end(paged.more);
  },
};

// `get --stream`, as etcdctl 3.7 reads it: the request as given, in one
// RangeStream call, printed as one response. Only the last chunk has the
// header and count, so formats that print the header first hold the
// chunks until then; the others print each as it arrives.
async function streamGet(client: EtcdClient, req: RangeRequest, printer: () => Printer, deadline: () => number | undefined): Promise<void> {
  let w: RangeWriter | undefined;
  const held: RangeResponse[] = [];
  for await (const chunk of client.rangeStream(req, { deadline })) {
    w ??= printer().range();
    if (w.headerFirst && !chunk.header) held.push(chunk);
    else if (!chunk.header) w.kvs(chunk.kvs);
    else {
      w.begin(chunk.header, chunk.count);
      for (const c of held.splice(0)) w.kvs(c.kvs);
      w.kvs(chunk.kvs);
      w.end(chunk.more);
    }
  }
}

export const putCommand: CommandDef = {
  name: 'put',
  usage: 'put [options] <key> <value> (<value> can also be given from stdin)',
  summary: 'Puts the given key into the store',
  description:
    'Stores <value> under <key>. Without a <value> argument (and without --ignore-value) the value is\n' +
    'all of standard input, so `cat file | etcdctl put <key>` stores the file.\n' +
    "A value that starts with '-' goes after '--': put <key> -- <value>, or put -- <key> <value>.",
  flags: PUT_FLAGS,
  async run(ctx, args, f) {
    const req = buildPut(args, f, readAllStdin);
    const client = await ctx.client();
    ctx.printer().put(await client.put(req, { deadline: ctx.commandDeadline() }));
  },
};

// Deletions that ask first, on a terminal: the whole keyspace, or more keys than this.
const CONFIRM_ABOVE = 1000n;
const DRY_RUN_SHOWN = 10n;

const keysText = (n: bigint) => `${n} key${n === 1n ? '' : 's'}`;

const isWholeKeyspace = (r: DeleteRangeRequest) => isNul(r.key) && r.range_end !== undefined && isNul(r.range_end);

export const delCommand: CommandDef = {
  name: 'del',
  usage: 'del [options] <key> [range_end]',
  summary: 'Removes the specified key or range of keys [key, range_end)',
  description:
    'etcdctl-ts: --dry-run prints how many keys would go and the first ten, deleting nothing. On a\n' +
    'terminal, deleting the whole keyspace or more than 1000 keys asks first (--yes does not ask); on a\n' +
    'pipe or in a script, del deletes as etcdctl does.',
  flags: [
    ...DEL_FLAGS,
    { name: 'dry-run', kind: 'bool', def: 'false', help: 'Print how many keys would be deleted and the first ten; delete nothing' },
    { name: 'yes', kind: 'bool', def: 'false', help: 'Do not ask before deleting the whole keyspace or more than 1000 keys on a terminal' },
  ],
  async run(ctx, args, f) {
    const req = buildDel(args, f);
    const client = await ctx.client();
    const deadline = () => ({ deadline: ctx.commandDeadline() });
    const ranged = req.range_end !== undefined && req.range_end.length > 0;
    const count = async () => (await client.range({ key: req.key, range_end: req.range_end, count_only: true }, deadline())).count;
    const first = async () =>
      [...(await client.range({ key: req.key, range_end: req.range_end, keys_only: true, limit: DRY_RUN_SHOWN }, deadline())).kvs].map((kv) => kv.key);
    if (f['dry-run']) {
      // Its own report, in the formats it has; checked before any request.
      if (ctx.settings.format !== 'simple' && ctx.settings.format !== 'json')
        throw new CliError(`${ctx.settings.format} not supported as output format with --dry-run (it writes simple and json)`, ExitCode.BadFeature);
      const [n, keys] = [await count(), await first()];
      printDryRun(ctx.settings.format, n, keys);
      return;
    }
    if (ranged && !f.yes && process.stdin.isTTY && process.stderr.isTTY) {
      const n = await count();
      const whole = isWholeKeyspace(req);
      if (whole || n > CONFIRM_ABOVE) {
        const shown = (await first()).map((k) => k.toString('utf8')).join(', ');
        const what = `${keysText(n)}${whole ? ', the whole keyspace' : ''}`;
        if (!(await confirm(`This deletes ${what} (first: ${shown}${n > DRY_RUN_SHOWN ? ', …' : ''}). Delete them? [y/N] `))) {
          throw new CliError(`nothing deleted: ${what} not confirmed (--yes deletes without asking, --dry-run shows what would go)`, ExitCode.Error);
        }
      }
    }
    ctx.printer().del(await client.deleteRange(req, deadline()));
  },
};

function printDryRun(format: string, n: bigint, keys: Buffer[]): void {
  if (format === 'json') {
    stdout.write(`{"dry_run":true,"count":${n},"first":[${keys.map((k) => `{${keyJson(k)}}`).join(',')}]}\n`);
    return;
  }
  stdout.write(`${keysText(n)} would be deleted (dry run: nothing was deleted)\n`);
  for (const k of keys) stdout.line(k);
  if (n > BigInt(keys.length)) stdout.write(`… and ${n - BigInt(keys.length)} more\n`);
}

export const compactionCommand: CommandDef = {
  name: 'compaction',
  usage: 'compaction [options] <revision>',
  summary: 'Compacts the event history in etcd',
  flags: [{ name: 'physical', kind: 'bool', def: 'false', help: "'true' to wait for compaction to physically remove all old revisions" }],
  async run(ctx, args, f) {
    if (args.length !== 1) throw bad('compaction command needs 1 argument');
    let rev: bigint;
    try {
      rev = parseInt64(args[0]!);
    } catch (e) {
      throw new CliError((e as Error).message, ExitCode.Error);
    }
    const client = await ctx.client();
    await client.compact(rev, Boolean(f.physical), { deadline: ctx.commandDeadline() });
    stdout.write(`compacted revision ${rev}\n`);
  },
};
