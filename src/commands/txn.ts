// txn: compares, success ops and failure ops read from stdin, each section
// ended by an empty line, in etcdctl's grammar.
import { text } from '../base/bytes.js';
import { readSync } from 'node:fs';
import { CompareResult, CompareTarget, type Compare, type RequestOp } from '../client/types.js';
import { CliError, ExitCode } from '../base/errors.js';
import { UsageError } from '../cli/errors.js';
import { parseArgs, type FlagSpec } from '../cli/flags.js';
import type { CommandDef } from '../cli/registry.js';
import { parseInt64 } from '../cli/values.js';
import { goQuote } from '../base/gofmt.js';
import { stdout } from '../output/out.js';
import { argify, scanGoQuoted } from './goquote.js';
import { buildDel, buildGet, buildPut, DEL_FLAGS, GET_FLAGS, PUT_FLAGS } from './kv.js';

const invalidInput = (msg: string) => new CliError(msg, ExitCode.InvalidInput);

// Line reader over a file descriptor with bufio.Reader.ReadString semantics:
// a last line without '\n' is an EOF error. Reads 4096 bytes at a time, the
// size of Go's default bufio buffer, so that what `rest()` sees matches.
export class LineReader {
  private buf = Buffer.alloc(0);
  private eof = false;

  constructor(private readonly fd = 0) {}

  private fill(): boolean {
    if (this.eof) return false;
    const chunk = this.readChunk();
    if (chunk === undefined) return false;
    this.buf = Buffer.concat([this.buf, chunk]);
    return true;
  }

  private readChunk(): Buffer | undefined {
    const chunk = Buffer.alloc(4096);
    for (;;) {
      try {
        const n = readSync(this.fd, chunk, 0, chunk.length, null);
        if (n === 0) {
          this.eof = true;
          return undefined;
        }
        return chunk.subarray(0, n);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
          continue;
        }
        if (code === 'EOF') {
          this.eof = true;
          return undefined;
        }
        throw e;
      }
    }
  }

  readLine(): string {
    for (;;) {
      const nl = this.buf.indexOf(0x0a);
      if (nl >= 0) {
        const line = text(this.buf.subarray(0, nl + 1));
        this.buf = this.buf.subarray(nl + 1);
        return line;
      }
      if (!this.fill()) throw invalidInput('EOF');
    }
  }

  // What `put <key>` without a value takes: as etcdctl reads it from
  // os.Stdin past its line buffer, only what has not been buffered yet
  // (usually nothing, so such a put is refused as etcdctl refuses it).
  rest(): Buffer {
    const parts: Buffer[] = [];
    for (let c = this.eof ? undefined : this.readChunk(); c !== undefined; c = this.readChunk()) parts.push(Buffer.from(c));
    return Buffer.concat(parts);
  }
}

const RESULTS: Record<string, CompareResult> = {
  '=': CompareResult.Equal,
  '!=': CompareResult.NotEqual,
  '>': CompareResult.Greater,
  '<': CompareResult.Less,
};

// fmt.Sscanf(rest, "%q) %s %q", &key, &op, &val), reporting how many
// values it got, as etcdctl's error message shows them.
function scanCompare(rest: string): { n: number; key: Buffer; op: string; val: Buffer } {
  const res: { n: number; key: Buffer; op: string; val: Buffer } = { n: 0, key: Buffer.alloc(0), op: '', val: Buffer.alloc(0) };
  let s = rest.replace(/^[ \t\r\n]+/, '');
  const k = scanGoQuoted(s);
  if (!k) return res;
  res.key = k.value;
  res.n = 1;
  s = s.slice(k.length);
  if (!s.startsWith(')')) return res;
  s = s.slice(1).replace(/^[ \t\r]+/, '');
  const op = /^[^ \t\r\n]+/.exec(s);
  if (!op) return res;
  res.op = op[0];
  res.n = 2;
  s = s.slice(op[0].length).replace(/^[ \t\r]+/, '');
  const v = scanGoQuoted(s);
  if (!v) return res;
  res.val = v.value;
  res.n = 3;
  return res;
}

export function parseCompare(line: string): Compare {
  const paren = line.indexOf('(');
  if (paren < 0) throw invalidInput(`malformed comparison: ${line}`);
  const target = line.slice(0, paren);
  const { n, key, op, val } = scanCompare(line.slice(paren + 1));
  if (n !== 3) throw invalidInput(`malformed comparison: ${line}; got ${target}(${goQuote(key)}) ${op} ${goQuote(val)}`);
  const result = RESULTS[op];
  const int = () => {
    try {
      return parseInt64(val.toString('utf8'));
    } catch {
      throw invalidInput(`invalid txn compare request: ${line}`);
    }
  };
  let cmp: Compare;
  switch (target) {
    case 'ver':
    case 'version':
      cmp = { result: 0, target: CompareTarget.Version, key, version: int() };
      break;
    case 'c':
    case 'create':
      cmp = { result: 0, target: CompareTarget.Create, key, create_revision: int() };
      break;
    case 'm':
    case 'mod':
      cmp = { result: 0, target: CompareTarget.Mod, key, mod_revision: int() };
      break;
    case 'val':
    case 'value':
      cmp = { result: 0, target: CompareTarget.Value, key, value: val };
      break;
    case 'lease':
      // etcdctl panics here (it builds a lease compare without key or ID).
      throw invalidInput(`malformed comparison: ${line} (lease comparisons are not supported by etcdctl's txn grammar)`);
    default:
      throw invalidInput(`malformed comparison: ${line} (unknown target ${target})`);
  }
  // etcdctl panics on any other operator.
  if (result === undefined) throw invalidInput(`malformed comparison: ${line} (unknown operator ${op}; use =, !=, < or >)`);
  cmp.result = result;
  return cmp;
}

const OPS: { name: string; flags: FlagSpec[] }[] = [
  { name: 'put', flags: PUT_FLAGS },
  { name: 'get', flags: GET_FLAGS },
  { name: 'del', flags: DEL_FLAGS },
];

export function parseOp(line: string, reader: LineReader): RequestOp {
  const words = argify(line);
  if (words instanceof Error) throw invalidInput(words.message);
  if (words.length < 2) throw invalidInput(`invalid txn compare request: ${line}`);
  const name = words[0]!;
  const matches = OPS.filter((o) => o.name === name || o.name.startsWith(name));
  const op = OPS.find((o) => o.name === name) ?? (matches.length === 1 ? matches[0] : undefined);
  if (!op) throw invalidInput(`invalid txn request: ${line}`);
  let parsed;
  try {
    parsed = parseArgs(words.slice(1), op.flags);
  } catch (e) {
    if (e instanceof UsageError) throw invalidInput(`invalid txn request: ${line}`);
    throw e;
  }
  const { flags, positionals } = parsed;
  switch (op.name) {
    case 'put':
      return { request_put: buildPut(positionals, flags, () => reader.rest()) };
    case 'get':
      return { request_range: buildGet(positionals, flags) };
    default:
      return { request_delete_range: buildDel(positionals, flags) };
  }
}

function readSection<T>(reader: LineReader, parse: (line: string) => T): T[] {
  const out: T[] = [];
  for (;;) {
    const line = reader.readLine().trim();
    if (line === '') return out;
    out.push(parse(line));
  }
}

export const txnCommand: CommandDef = {
  name: 'txn',
  usage: 'txn [options]',
  summary: 'Txn processes all the requests in one transaction',
  description:
    'The txn command reads from stdin, in three sections each ended by an empty line:\n' +
    'compares (e.g. value("key") = "v", mod("key") > "5"), then the requests run when\n' +
    'all compares succeed, then those run otherwise (get, put and del command lines).',
  flags: [{ name: 'interactive', short: 'i', kind: 'bool', def: 'false', help: 'Input transaction in interactive mode' }],
  async run(ctx, args, f) {
    if (args.length !== 0) throw new CliError('txn command does not accept argument', ExitCode.BadArgs);
    const client = await ctx.client();
    const reader = new LineReader();
    const prompt = (s: string) => {
      if (!f.interactive) return;
      stdout.write(`${s}\n`);
      stdout.flush();
    };
    prompt('compares:');
    const compare = readSection(reader, parseCompare);
    prompt('success requests (get, put, del):');
    const success = readSection(reader, (l) => parseOp(l, reader));
    prompt('failure requests (get, put, del):');
    const failure = readSection(reader, (l) => parseOp(l, reader));
    ctx.printer().txn(await client.txn({ compare, success, failure }));
  },
};
