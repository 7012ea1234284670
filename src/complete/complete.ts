// Shell completion: what to offer for the word under the cursor, from the
// command tree (built into the completion bundle as plain data) and, for
// keys, member, lease, user and role names, from the live cluster.

export interface FlagInfo {
  name: string;
  short?: string;
  // Takes a value (everything but bool flags).
  value: boolean;
}

export interface CmdSpec {
  name: string;
  flags: FlagInfo[];
  // Flags a group passes on to its subcommands.
  persistent: FlagInfo[];
  subcommands: CmdSpec[];
}

// What the live cluster is asked for.
export type Lookup = 'key' | 'member' | 'lease' | 'user' | 'role' | 'resource';

export interface Completion {
  candidates: string[];
  // No space after the word (a key segment ending in '/', a `--flag=`).
  nospace: boolean;
  // Let the shell complete file names instead.
  files: boolean;
  lookup?: Lookup;
}

// The output line after the candidates: ":<bits>", 1 = no space, 2 = files.
export function directive(c: Completion): string {
  return `:${(c.nospace ? 1 : 0) | (c.files ? 2 : 0)}`;
}

const VALUES: Record<string, string[]> = {
  'write-out': ['simple', 'json', 'protobuf', 'fields', 'table'],
  'sort-by': ['CREATE', 'KEY', 'MODIFY', 'VALUE', 'VERSION'],
  order: ['ASCEND', 'DESCEND'],
  consistency: ['l', 's'],
  load: ['s', 'm', 'l', 'xl'],
  shell: ['bash', 'zsh', 'fish'],
};
const FILE_FLAGS = new Set(['cacert', 'cert', 'key', 'dest-cacert', 'dest-cert', 'dest-key', 'data-dir', 'wal-dir', 'snapshot']);

// Positional arguments by command path, one entry per position.
const POSITIONALS: Record<string, (Lookup | 'file' | string[])[]> = {
  get: ['key', 'key'],
  put: ['key'],
  del: ['key', 'key'],
  watch: ['key', 'key'],
  'member remove': ['member'],
  'member update': ['member'],
  'member promote': ['member'],
  'move-leader': ['member'],
  'lease revoke': ['lease'],
  'lease timetolive': ['lease'],
  'lease keep-alive': ['lease'],
  'user get': ['user'],
  'user delete': ['user'],
  'user passwd': ['user'],
  'user grant-role': ['user', 'role'],
  'user revoke-role': ['user', 'role'],
  'role get': ['role'],
  'role delete': ['role'],
  'role grant-permission': ['role', ['read', 'write', 'readwrite'], 'key', 'key'],
  'role revoke-permission': ['role', 'key', 'key'],
  'snapshot save': ['file'],
  'snapshot status': ['file'],
  'snapshot restore': ['file'],
  completion: [VALUES.shell!],
  'k8s ls': ['resource'],
  'k8s get': ['resource'],
  'k8s watch': ['resource'],
};

// A subcommand by name or unambiguous prefix, as etcdctl resolves them.
function findSub(c: CmdSpec, word: string): CmdSpec | undefined {
  return (
    c.subcommands.find((s) => s.name === word) ??
    (() => {
      const m = c.subcommands.filter((s) => s.name.startsWith(word));
      return m.length === 1 ? m[0] : undefined;
    })()
  );
}

const offer = (words: string[], cur: string, extra: Partial<Completion> = {}): Completion => ({
  candidates: words.filter((w) => w.startsWith(cur)),
  nospace: false,
  files: false,
  ...extra,
});

export interface Position {
  path: CmdSpec[];
  // Flags visible at the cursor (the command's own, inherited, global).
  flags: FlagInfo[];
  // Words on the line that are flags or flag values (for the connection).
  flagWords: string[];
  positionals: string[];
  // The flag whose value is being typed as a separate word.
  valueFlag?: FlagInfo;
}

// Where the cursor is: which command, which flags and positionals before it.
export function locate(root: CmdSpec, globals: FlagInfo[], before: string[]): Position {
  const path = [root];
  const positionals: string[] = [];
  const flagWords: string[] = [];
  const visible = () => [...path.at(-1)!.flags, ...path.flatMap((c) => c.persistent), ...globals];
  let valueFlag: FlagInfo | undefined;
  let dashed = false;
  for (const w of before) {
    if (valueFlag) {
      flagWords.push(w);
      valueFlag = undefined;
      continue;
    }
    if (dashed) {
      positionals.push(w);
      continue;
    }
    if (w === '--') {
      dashed = true;
      continue;
    }
    if (w.startsWith('-') && w.length > 1) {
      flagWords.push(w);
      const name = w.startsWith('--') ? w.slice(2).split('=')[0] : undefined;
      const f = visible().find((x) => (name !== undefined ? x.name === name : w.length === 2 && x.short === w[1]));
      if (f?.value && !w.includes('=')) valueFlag = f;
      continue;
    }
    const cur = path.at(-1)!;
    const sub = cur.subcommands.length > 0 && positionals.length === 0 ? findSub(cur, w) : undefined;
    if (sub) path.push(sub);
    else positionals.push(w);
  }
  return { path, flags: visible(), flagWords, positionals, valueFlag };
}

function flagValue(f: FlagInfo, cur: string, lead = ''): Completion {
  if (FILE_FLAGS.has(f.name)) return { candidates: [], nospace: false, files: true };
  return offer(
    (VALUES[f.name] ?? []).map((v) => lead + v),
    lead + cur,
  );
}

export function complete(root: CmdSpec, globals: FlagInfo[], words: string[]): Completion & { position: Position; prefix: string } {
  const cur = words.at(-1) ?? '';
  const pos = locate(root, globals, words.slice(0, -1));
  const done = (c: Completion) => ({ ...c, position: pos, prefix: cur });
  if (pos.valueFlag) return done(flagValue(pos.valueFlag, cur));
  if (cur.startsWith('--') && cur.includes('=')) {
    const name = cur.slice(2, cur.indexOf('='));
    const f = pos.flags.find((x) => x.name === name);
    return done(f ? flagValue(f, cur.slice(cur.indexOf('=') + 1), `--${name}=`) : offer([], cur));
  }
  if (cur.startsWith('-')) {
    const names = pos.flags.map((f) => `--${f.name}`);
    if (cur.length <= 2) names.push(...pos.flags.filter((f) => f.short).map((f) => `-${f.short}`));
    return done(offer([...new Set(names)].sort(), cur));
  }
  const leaf = pos.path.at(-1)!;
  // `help <command words>` walks the command tree.
  if (pos.path.length === 2 && leaf.name === 'help') {
    let node: CmdSpec | undefined = root;
    for (const w of pos.positionals) node = node && findSub(node, w);
    return done(offer(node?.subcommands.map((s) => s.name) ?? [], cur));
  }
  if (leaf.subcommands.length > 0 && pos.positionals.length === 0)
    return done(
      offer(
        leaf.subcommands.map((s) => s.name),
        cur,
      ),
    );
  const key = pos.path
    .slice(1)
    .map((c) => c.name)
    .join(' ');
  const want = POSITIONALS[key]?.[pos.positionals.length];
  if (want === undefined) return done(offer([], cur));
  if (want === 'file') return done({ candidates: [], nospace: false, files: true });
  if (Array.isArray(want)) return done(offer(want, cur));
  return done({ candidates: [], nospace: false, files: false, lookup: want });
}
