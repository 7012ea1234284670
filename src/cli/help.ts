// Usage text in etcdctl's layout (NAME, USAGE, COMMANDS, OPTIONS, GLOBAL
// OPTIONS; columns aligned with tabs as Go's text/tabwriter does).
import type { FlagSpec } from './flags.js';
import type { CommandDef } from './registry.js';

export const ETCDCTL_VERSION = '3.4.23';
export const API_VERSION = '3.4';

// text/tabwriter with tabwidth 8, padding 1 and tab padding; the last cell
// of a row is not padded.
export function tabwrite(rows: string[][]): string {
  const widths: number[] = [];
  for (const r of rows) {
    r.slice(0, -1).forEach((c, i) => {
      widths[i] = Math.max(widths[i] ?? 0, [...c].length);
    });
  }
  return rows
    .map((r) =>
      r
        .map((c, i) => {
          if (i === r.length - 1) return c;
          const col = Math.ceil((widths[i]! + 1) / 8) * 8;
          return c + '\t'.repeat(Math.ceil((col - [...c].length) / 8));
        })
        .join(''),
    )
    .join('\n');
}

function flagUsage(f: FlagSpec): string {
  const lead = f.short ? `  -${f.short}, --${f.name}` : `      --${f.name}`;
  switch (f.kind) {
    case 'bool':
      return `${lead}[=${f.def}]`;
    case 'string':
      return `${lead}=${JSON.stringify(f.def)}`;
    default:
      return `${lead}=${f.def}`;
  }
}

function flagSection(flags: FlagSpec[]): string {
  const sorted = [...flags].sort((a, b) => a.name.localeCompare(b.name));
  return `${tabwrite(sorted.map((f) => [flagUsage(f), f.help]))}\n`;
}

// pflag's own rows (cobra 1.x, etcdctl 3.6+): the type after the name,
// descriptions three spaces after the widest, a non-zero default appended.
const TYPE_NAMES: Record<FlagSpec['kind'], string> = {
  bool: '',
  string: 'string',
  strings: 'strings',
  stringArray: 'stringArray',
  duration: 'duration',
  int: 'int',
  uint: 'uint',
};
const ZERO = new Set(['', 'false', '0', '0s', '[]']);
export function pflagRows(flags: FlagSpec[]): string {
  const rows = [...flags]
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map((f) => {
      const lead = (f.short ? `  -${f.short}, --${f.name}` : `      --${f.name}`) + (TYPE_NAMES[f.kind] ? ` ${TYPE_NAMES[f.kind]}` : '');
      const def = ZERO.has(f.def) ? '' : f.kind === 'string' ? ` (default ${JSON.stringify(f.def)})` : ` (default ${f.def})`;
      return [lead, f.help + def] as const;
    });
  const width = Math.max(...rows.map(([lead]) => lead.length));
  return rows.map(([lead, usage]) => `${lead.padEnd(width)}   ${usage}\n`).join('');
}

export const HELP_FLAG = (name: string): FlagSpec => ({ name: 'help', short: 'h', kind: 'bool', def: 'false', help: `help for ${name}` });

// Listed by name, as cobra sorts them (the tree keeps etcdctl's
// registration order, which "Did you mean this?" follows).
const byName = (def: CommandDef) => [...(def.subcommands ?? [])].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

function leafCommands(def: CommandDef, prefix: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (const c of byName(def)) {
    if (c.subcommands) out.push(...leafCommands(c, [...prefix, c.name]));
    else out.push([[...prefix, c.name].join(' '), c.summary]);
  }
  return out;
}

export function renderHelp(path: CommandDef[], globals: FlagSpec[]): string {
  const def = path[path.length - 1]!;
  const isRoot = path.length === 1;
  let s = `NAME:\n\t${
    isRoot
      ? 'etcdctl'
      : path
          .slice(1)
          .map((d) => d.name)
          .join(' ')
  } - ${def.summary}\n\n`;
  s += `USAGE:\n\t${isRoot ? 'etcdctl' : `etcdctl ${[...path.slice(1, -1).map((d) => d.name), def.usage].join(' ')}`} [flags]\n\n`;
  if (isRoot) s += `VERSION:\n\t${ETCDCTL_VERSION}\n\n`;
  if (def.subcommands) {
    s += `API VERSION:\n\t${API_VERSION}\n\n\nCOMMANDS:\n`;
    const rows = isRoot ? leafCommands(def, []) : byName(def).map((c) => [c.name, c.summary] as [string, string]);
    s += `${tabwrite(rows.map(([n, d]) => ['', n, d]))}\n\n`;
  }
  if (def.description) s += `DESCRIPTION:\n${def.description.replace(/\n$/, '').replace(/^/gm, '\t')}\n\n`;
  const local = isRoot ? [...globals, HELP_FLAG('etcdctl')] : [...def.flags, ...(def.persistentFlags ?? []), HELP_FLAG(def.name)];
  s += `OPTIONS:\n${flagSection(local)}\n`;
  if (!isRoot) s += `GLOBAL OPTIONS:\n${flagSection(globals)}\n`;
  return s;
}
