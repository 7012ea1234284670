// Backup file names: the {time} and {member} placeholders of a save path,
// and which files in its directory that same pattern could have produced.
import { lstatSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export const hasPlaceholders = (path: string) => path.includes('{time}') || path.includes('{member}');

// A sortable UTC stamp: 20261201T214300Z.
export function stamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

export function expand(path: string, now: Date, member: string): string {
  return path.replaceAll('{time}', stamp(now)).replaceAll('{member}', member.replace(/[/\0]/g, '_') || 'unnamed');
}

export interface Produced {
  path: string;
  // The {time} stamp as a date, where the pattern has one.
  time: Date | undefined;
}

// Regular files (never links, never .part) in the pattern's directory
// whose names the pattern could have produced, oldest first.
export function produced(pattern: string): Produced[] {
  const dir = dirname(pattern);
  const parts = basename(pattern).split(/(\{time\}|\{member\})/);
  const re = new RegExp(`^${parts.map((p) => (p === '{time}' ? '(\\d{8}T\\d{6}Z)' : p === '{member}' ? '[^/]+?' : p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('')}$`);
  const out: Produced[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  for (const name of names) {
    const m = re.exec(name);
    if (!m || name.endsWith('.part')) continue;
    const path = join(dir, name);
    if (!lstatSync(path, { throwIfNoEntry: false })?.isFile()) continue;
    const t = m[1] ? new Date(`${m[1].slice(0, 4)}-${m[1].slice(4, 6)}-${m[1].slice(6, 8)}T${m[1].slice(9, 11)}:${m[1].slice(11, 13)}:${m[1].slice(13, 15)}Z`) : undefined;
    out.push({ path, time: t });
  }
  return out.sort((a, b) => (a.time?.getTime() ?? 0) - (b.time?.getTime() ?? 0) || (a.path < b.path ? -1 : 1));
}

// What --keep and --keep-within let go: a file is kept when either keeps
// it (the newest `keep`, or those younger than `within` ms); the newest
// file, `fresh`, is never among them.
export function toPrune(files: Produced[], fresh: string, keep: number | undefined, within: number | undefined, now: Date): Produced[] {
  if (keep === undefined && within === undefined) return [];
  const older = files.filter((f) => f.path !== fresh);
  const newestFirst = [...older].reverse();
  return newestFirst.filter((f, i) => {
    const byCount = keep !== undefined && i < keep - 1;
    const byAge = within !== undefined && f.time !== undefined && now.getTime() - f.time.getTime() <= within;
    return !byCount && !byAge;
  });
}
