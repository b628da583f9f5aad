import type { Block, ReportDocument, Table } from './report-document';

function mdCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function mdTable(t: Table): string {
  const align = t.headers.map((_, i) => (t.numeric.includes(i) ? '---:' : '---'));
  const lines = [t.headers, align, ...t.rows].map((row) => `| ${row.map(mdCell).join(' | ')} |`);
  return lines.join('\n');
}

function mdBlock(block: Block): string {
  return 'paragraph' in block ? block.paragraph : mdTable(block.table);
}

/** GitHub-flavoured Markdown. */
export function renderMarkdown(doc: ReportDocument): string {
  const parts = [`# ${doc.title}`, doc.subtitle];
  for (const section of doc.sections) {
    parts.push(`## ${section.title}`, ...section.blocks.map(mdBlock));
  }
  return parts.join('\n\n') + '\n';
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function htmlTable(t: Table): string {
  const cls = (i: number): string => (t.numeric.includes(i) ? ' class="num"' : '');
  const head = t.headers.map((h, i) => `<th${cls(i)}>${escapeHtml(h)}</th>`).join('');
  const body = t.rows
    .map((row) => `<tr>${row.map((c, i) => `<td${cls(i)}>${escapeHtml(c)}</td>`).join('')}</tr>`)
    .join('\n');
  return `<table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

function htmlBlock(block: Block): string {
  return 'paragraph' in block ? `<p>${escapeHtml(block.paragraph)}</p>` : htmlTable(block.table);
}

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; color: #1d2733; margin: 2rem auto; max-width: 70rem; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 2px solid #2b6cb0; padding-bottom: 0.2rem; }
p.sub { color: #52606d; word-break: break-all; }
table { border-collapse: collapse; width: 100%; margin: 0.6rem 0; font-size: 13px; }
th, td { border-bottom: 1px solid #d9e2ec; padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f0f4f8; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
@media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; } tr { break-inside: avoid; } }
`;

/** A self-contained HTML page (inline CSS, no scripts), printable to PDF from any browser. */
export function renderHtml(doc: ReportDocument): string {
  const sections = doc.sections
    .map((s) => [`<h2>${escapeHtml(s.title)}</h2>`, ...s.blocks.map(htmlBlock)].join('\n'))
    .join('\n');
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<title>${escapeHtml(doc.title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    `<h1>${escapeHtml(doc.title)}</h1>`,
    `<p class="sub">${escapeHtml(doc.subtitle)}</p>`,
    sections,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
