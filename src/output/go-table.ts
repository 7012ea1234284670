// The table layout etcdctl gets from olekukonko/tablewriter: centred
// upper-case headers, right-aligned cells, cells wrapped at 30 columns
// with a minimum-raggedness line breaker.

const MAX_WIDTH = 30;
const PENALTY = 1e5;

// Display width: east-asian wide and fullwidth characters take two columns.
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) continue;
    if (/\p{Mn}/u.test(ch)) continue;
    w += isWide(cp) ? 2 : 1;
  }
  return w;
}

function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf && cp !== 0x303f) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  );
}

function wrapWords(words: string[], lim: number): string[][] {
  const n = words.length;
  const widths = words.map(displayWidth);
  const len = (i: number, j: number) => {
    let l = widths[i]!;
    for (let k = i + 1; k <= j; k++) l += 1 + widths[k]!;
    return l;
  };
  const nbrk = new Array<number>(n).fill(0);
  const cost = new Array<number>(n).fill(2 ** 31 - 1);
  for (let i = n - 1; i >= 0; i--) {
    if (len(i, n - 1) <= lim) {
      cost[i] = 0;
      nbrk[i] = n;
      continue;
    }
    for (let j = i + 1; j < n; j++) {
      const l = len(i, j - 1);
      const d = lim - l;
      let c = d * d + cost[j]!;
      if (l > lim) c += PENALTY;
      if (c < cost[i]!) {
        cost[i] = c;
        nbrk[i] = j;
      }
    }
  }
  const lines: string[][] = [];
  for (let i = 0; i < n; i = nbrk[i]!) lines.push(words.slice(i, nbrk[i]));
  return lines;
}

// Splits a cell into lines; returns them and the width they need.
export function wrapCell(text: string): { lines: string[]; width: number } {
  const paragraphs = text.split('\n');
  const limit = Math.min(Math.max(...paragraphs.map(displayWidth)), MAX_WIDTH);
  let width = limit;
  const lines: string[] = [];
  paragraphs.forEach((para, idx) => {
    const words = para.split(' ');
    // A word longer than the limit widens the column instead of breaking.
    const lim = Math.max(limit, ...words.map(displayWidth));
    const wrapped = wrapWords(words, lim).map((l) => l.join(' '));
    for (const l of wrapped) width = Math.max(width, displayWidth(l));
    if (idx > 0) lines.push(' ');
    lines.push(...wrapped);
  });
  return { lines, width };
}

function headerTitle(h: string): string {
  const t = h.replace(/[_.]/g, ' ').trim();
  return t === '' && h.length > 0 ? ' ' : t.toUpperCase();
}

const center = (s: string, w: number) => {
  const gap = w - displayWidth(s);
  const left = Math.floor(gap / 2);
  return ' '.repeat(left) + s + ' '.repeat(gap - left);
};
const right = (s: string, w: number) => ' '.repeat(w - displayWidth(s)) + s;

export function renderTable(header: string[], rows: string[][]): string {
  const widths = header.map(() => 0);
  const wrapRow = (cells: string[]) =>
    cells.map((c, i) => {
      const { lines, width } = wrapCell(c);
      widths[i] = Math.max(widths[i]!, width);
      return lines;
    });
  const head = wrapRow(header.map(headerTitle));
  const body = rows.map(wrapRow);
  const border = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+\n`;
  const renderLines = (cells: string[][], align: (s: string, w: number) => string) => {
    const height = Math.max(...cells.map((c) => c.length));
    let out = '';
    for (let l = 0; l < height; l++) out += `|${cells.map((c, i) => ` ${align(c[l] ?? '', widths[i]!)} `).join('|')}|\n`;
    return out;
  };
  let out = border + renderLines(head, center) + border;
  for (const r of body) out += renderLines(r, right);
  return out + border;
}
