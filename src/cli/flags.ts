// Flag specs and a pflag-compatible command line scanner. commander parses
// what this scanner hands it; the scanner adds what cobra/pflag accept and
// commander does not (`--bool=false`, `-w=json`) and cobra's error texts.
import { Option, type Command } from 'commander';
import { UsageError } from './errors.js';
import { parseBool, parseDuration, parseInt64, ValueError } from './values.js';

// strings splits on commas (pflag's StringSlice); stringArray takes each
// use whole (StringArray), for values such as paths.
export type FlagKind = 'bool' | 'string' | 'duration' | 'int' | 'uint' | 'strings' | 'stringArray';

export interface FlagSpec {
  name: string;
  short?: string;
  kind: FlagKind;
  // Default as etcdctl shows it in help and --debug.
  def: string;
  help: string;
}

export type FlagValue = boolean | string | number | bigint | string[];

function flagLabel(f: FlagSpec): string {
  return f.short ? `-${f.short}, --${f.name}` : `--${f.name}`;
}

export function parseFlagValue(f: FlagSpec, raw: string, prev?: FlagValue): FlagValue {
  try {
    switch (f.kind) {
      case 'bool':
        return parseBool(raw);
      case 'string':
        return raw;
      case 'duration':
        return parseDuration(raw);
      // pflag parses integers with base 0.
      case 'int':
        return parseInt64(raw, 0);
      case 'uint': {
        if (/^[+-]/.test(raw)) throw new ValueError(`strconv.ParseUint: parsing ${JSON.stringify(raw)}: invalid syntax`);
        return Number(parseInt64(raw, 0));
      }
      case 'stringArray':
        return Array.isArray(prev) ? [...prev, raw] : [raw];
      case 'strings': {
        const items = raw === '' ? [] : raw.split(',').map((s) => s.trim());
        return Array.isArray(prev) ? [...prev, ...items] : items;
      }
    }
  } catch (e) {
    if (e instanceof ValueError) throw new UsageError(`invalid argument ${JSON.stringify(raw)} for "${flagLabel(f)}" flag: ${e.message}`);
    throw e;
  }
}

export function defaultValue(f: FlagSpec): FlagValue {
  switch (f.kind) {
    case 'strings':
    case 'stringArray':
      return f.def
        .replace(/^\[|\]$/g, '')
        .split(',')
        .filter(Boolean);
    case 'bool':
      return f.def === 'true';
    default:
      return parseFlagValue(f, f.def);
  }
}

// Adds specs to a commander command. Values are stored under the flag's
// own name; the scanner below has already validated and converted them.
export function addFlags(cmd: Command, specs: FlagSpec[]): void {
  for (const f of specs) {
    const flags = f.kind === 'bool' ? flagLabel(f) : `${flagLabel(f)} <value>`;
    const def = defaultValue(f);
    const o = new Option(flags, f.help).default(def);
    o.attributeName = () => f.name;
    // pflag has no negation: `--no-password` is a flag of its own, not `--password=false`.
    o.negate = false;
    if (f.kind !== 'bool') o.argParser((raw: string, prev: FlagValue) => parseFlagValue(f, raw, prev === def ? undefined : prev));
    cmd.addOption(o);
  }
}

export interface Scanned {
  // argv for commander: only `--name=value` and `--name` forms.
  argv: string[];
  // Bool flags given as `--flag=false`, applied after commander parses.
  falseBools: string[];
}

// Scans the arguments after the command path, following pflag: flags and
// positionals interleave, `--` ends flags, bools take no separate value.
export function scan(args: string[], specs: FlagSpec[]): Scanned {
  const byName = new Map(specs.map((f) => [f.name, f]));
  const byShort = new Map(specs.filter((f) => f.short).map((f) => [f.short!, f]));
  const argv: string[] = [];
  const falseBools: string[] = [];
  const emit = (f: FlagSpec, value: string | undefined) => {
    if (f.kind === 'bool') {
      const v = value === undefined ? true : (parseFlagValue(f, value) as boolean);
      if (v) argv.push(`--${f.name}`);
      else falseBools.push(f.name);
    } else {
      argv.push(`--${f.name}=${value}`);
    }
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      argv.push(...args.slice(i));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      const f = byName.get(name);
      if (!f) throw new UsageError(`unknown flag: --${name}`);
      if (eq >= 0) emit(f, a.slice(eq + 1));
      else if (f.kind === 'bool') emit(f, undefined);
      else {
        if (i + 1 >= args.length) throw new UsageError(`flag needs an argument: --${name}`);
        emit(f, args[++i]!);
      }
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      // A run of shorthands: bools may be combined; a value flag takes the rest.
      let j = 1;
      while (j < a.length) {
        const c = a[j]!;
        const f = byShort.get(c);
        if (!f) throw new UsageError(`unknown shorthand flag: '${c}' in ${a}`);
        if (f.kind === 'bool') {
          if (a[j + 1] === '=') {
            emit(f, a.slice(j + 2));
            break;
          }
          emit(f, undefined);
          j++;
          continue;
        }
        let value = a.slice(j + 1);
        if (value.startsWith('=')) value = value.slice(1);
        else if (value === '') {
          if (i + 1 >= args.length) throw new UsageError(`flag needs an argument: '${c}' in -${c}`);
          value = args[++i]!;
        }
        emit(f, value);
        break;
      }
      continue;
    }
    argv.push(a);
  }
  return { argv, falseBools };
}

// Parses a command line into flag values and positionals without commander,
// for nested command lines such as txn's op lines.
export function parseArgs(args: string[], specs: FlagSpec[]): { flags: Record<string, FlagValue>; positionals: string[]; dashAt?: number } {
  const { argv, falseBools } = scan(args, specs);
  const flags: Record<string, FlagValue> = Object.fromEntries(specs.map((f) => [f.name, defaultValue(f)]));
  const positionals: string[] = [];
  const byName = new Map(specs.map((f) => [f.name, f]));
  const given = new Set<string>();
  let dashAt: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      dashAt = positionals.length;
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('--')) {
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const f = byName.get(eq >= 0 ? a.slice(2, eq) : a.slice(2))!;
    // A repeated slice flag appends; its first use replaces the default.
    flags[f.name] = f.kind === 'bool' ? true : parseFlagValue(f, a.slice(eq + 1), given.has(f.name) ? flags[f.name] : undefined);
    given.add(f.name);
  }
  for (const name of falseBools) flags[name] = false;
  return { flags, positionals, dashAt };
}
