// etcdctl-ts's own tables (k8s listings, defrag plans and reports):
// borderless as kubectl prints them, or bordered by cli-table3. etcdctl's
// tables are go-table.ts's, byte for byte as Go's tablewriter draws them.
import { colour } from './out.js';

// Rows per cli-table3 table: its layout costs grow faster than the rows,
// so a long list is drawn in chunks with the column widths fixed up front.
const CHUNK = 500;

// Control characters in a cell (a key may hold any byte) would move the
// cursor or break the row on a terminal: they are shown as \xNN.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
const visible = (c: string) => c.replace(CONTROL, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`);

export function drawTable(format: 'plain' | 'table', head: string[], rawRows: string[][]): string {
  const rows = rawRows.map((r) => r.map(visible));
  const widths = head.map((h, i) => rows.reduce((w, r) => Math.max(w, r[i]!.length), h.length));
  // Borderless, as kubectl prints: columns three spaces apart.
  if (format === 'plain') {
    const line = (r: string[]) =>
      `${r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + 3)))
        .join('')
        .trimEnd()}\n`;
    return [head, ...rows].map(line).join('');
  }
  // Loaded here: only these commands draw tables of their own.
  const Table = require('cli-table3') as typeof import('cli-table3');
  const chalk = colour();
  if (chalk) head = head.map((h) => chalk.bold.cyan(h));
  const out: string[] = [];
  for (let i = 0; i === 0 || i < rows.length; i += CHUNK) {
    const first = i === 0;
    const last = i + CHUNK >= rows.length;
    const t = new Table({
      head: first ? head : [],
      colWidths: widths.map((w) => w + 2),
      // A chunk continues the one before: no border above it, and the
      // closing border only under the last.
      chars: {
        ...(first ? {} : { top: '', 'top-mid': '', 'top-left': '', 'top-right': '' }),
        ...(last ? {} : { bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '' }),
      },
      style: { head: [], border: [] },
    });
    t.push(...rows.slice(i, i + CHUNK));
    out.push(t.toString());
  }
  return `${out.join('\n')}\n`;
}
