/** Terminal output of the CLI: a progress bar on a TTY, and aligned tables. */

export interface ProgressBar {
  update(done: number, total?: number, note?: string): void;
  finish(): void;
}

const WIDTH = 30;

/** A one-line bar redrawn in place on a TTY; silent on other streams (logs, pipes). */
export function progressBar(stream: NodeJS.WriteStream, label: string, minIntervalMs = 100): ProgressBar {
  let last = 0;
  let drawn = false;
  const draw = (done: number, total: number | undefined, note: string): void => {
    const bar =
      total === undefined || total === 0
        ? `${done}`
        : `[${'#'.repeat(Math.round((WIDTH * Math.min(done, total)) / total)).padEnd(WIDTH, '.')}] ${Math.floor((100 * done) / total)}% ${done}/${total}`;
    stream.write(`\r${label} ${bar} ${note}`.padEnd(80));
    drawn = true;
  };
  return {
    update(done, total, note = '') {
      const now = Date.now();
      if (stream.isTTY && now - last >= minIntervalMs) {
        last = now;
        draw(done, total, note);
      }
    },
    finish() {
      if (drawn) {
        stream.write('\n');
      }
    },
  };
}

/** Rows of cells as aligned text columns, the first row as the header. */
export function formatTable(rows: readonly (readonly (string | number)[])[]): string {
  const cells = rows.map((row) => row.map(String));
  const widths: number[] = [];
  for (const row of cells) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  const line = (row: string[]): string =>
    row
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const [header, ...body] = cells;
  if (header === undefined) {
    return '';
  }
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}
