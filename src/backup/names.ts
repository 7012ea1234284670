// Backup file names: the {time} and {member} placeholders of a save path,
// and which files in its directory that same pattern could have produced.
import { lstatSync } from 'node:fs';
import { namesIn } from '../base/files.js';
import { basename, dirname, join } from 'node:path';

export const hasPlaceholders = (path: string) => path.includes('{time}') || path.includes('{member}');

// A sortable UTC stamp: 20261201T214300Z.
export function stamp(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

const memberName = (member: string) => member.replace(/[/\0]/g, '_') || 'unnamed';

// The path with {member} filled in, and {time} too unless `now` is undefined.
export function expand(path: string, now: Date | undefined, member: string): string {
  const p = path.replaceAll('{member}', memberName(member));
  return now ? p.replaceAll('{time}', stamp(now)) : p;
}

export interface Produced {
  path: string;
  // The {time} stamp as a date, where the pattern has one.
  time: Date | undefined;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// The file names a pattern can produce, as a regular expression whose
// first group is the {time} stamp. With `member`, {member} is that
// member's name alone: retention never reaches another member's files.
export function patternRe(pattern: string, member?: string): RegExp {
  const parts = basename(pattern).split(/(\{time\}|\{member\})/);
  const m = member === undefined ? '[^/]+?' : escapeRegExp(memberName(member));
  return new RegExp(`^${parts.map((p) => (p === '{time}' ? '(\\d{8}T\\d{6}Z)' : p === '{member}' ? m : escapeRegExp(p))).join('')}$`);
}

export interface Found {
  // Regular files (never links) the pattern could have produced, oldest first.
  files: Produced[];
  // Temporaries of interrupted saves of those names (<name>.<hex>.part).
  leftovers: string[];
}

export function produced(pattern: string, member?: string): Found {
  const dir = dirname(pattern);
  const re = patternRe(pattern, member);
  const files: Produced[] = [];
  const leftovers: string[] = [];
  for (const name of namesIn(dir)) {
    const path = join(dir, name);
    const part = /^(.+?)(?:\.[0-9a-f]{8})?\.part$/.exec(name);
    const m = re.exec(part ? part[1]! : name);
    if (!m || !lstatSync(path, { throwIfNoEntry: false })?.isFile()) continue;
    if (part) {
      leftovers.push(path);
      continue;
    }
    const t = m[1]
      ? new Date(`${m[1].slice(0, 4)}-${m[1].slice(4, 6)}-${m[1].slice(6, 8)}T${m[1].slice(9, 11)}:${m[1].slice(11, 13)}:${m[1].slice(13, 15)}Z`)
      : undefined;
    files.push({ path, time: t });
  }
  files.sort((a, b) => (a.time?.getTime() ?? 0) - (b.time?.getTime() ?? 0) || (a.path < b.path ? -1 : 1));
  return { files, leftovers: leftovers.sort() };
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
