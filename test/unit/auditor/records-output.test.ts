import { RecordWriter, csvField, recordRow, RECORD_COLUMNS } from '../../../auditor/src/records-output';
import { content, entryFor } from './world';

function render(
  format: 'table' | 'json' | 'jsonl' | 'csv',
  entries = [entryFor(content()), entryFor(content({ purpose: 'marketing' }))],
) {
  let out = '';
  const w = new RecordWriter(format, (t) => (out += t));
  w.begin();
  entries.forEach((e) => {
    w.add(e);
  });
  w.end();
  return out;
}

/** A small RFC 4180 reader, independent of the writer. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (ch === '"') {
        quoted = false;
      } else {
        field += ch;
      }
    } else if (ch === '"') {
      quoted = true;
    } else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += 1;
    } else {
      field += ch;
    }
  }
  return rows;
}

describe('record output', () => {
  const entries = [entryFor(content()), entryFor(content({ purpose: 'marketing' }))];

  it('writes CSV with a header and one row per record that a CSV reader gets back', () => {
    const rows = parseCsv(render('csv', entries));
    expect(rows[0]).toEqual([...RECORD_COLUMNS]);
    expect(rows).toHaveLength(3);
    expect(rows[2]).toEqual(RECORD_COLUMNS.map((c) => recordRow(entries[1]!)[c]));
    expect(rows[2]![RECORD_COLUMNS.indexOf('denyReason')]).toBe('purpose-not-allowed');
  });

  it('quotes fields with commas, quotes and newlines, and defuses formulas', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('-0.5')).toBe('-0.5');
    expect(parseCsv(`${csvField('line\nbreak')},x\r\n`)).toEqual([['line\nbreak', 'x']]);
  });

  it('writes JSON that parses back to the entries, and JSON lines', () => {
    expect(JSON.parse(render('json', entries))).toEqual(entries);
    expect(JSON.parse(render('json', []))).toEqual([]);
    const lines = render('jsonl', entries).trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual(entries);
  });

  it('writes an aligned table', () => {
    const lines = render('table', entries).trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(
      /^id\s+observedAt\s+gateway\s+source\s+consumer\s+category\s+verdict\s+decision\s+pv$/,
    );
    expect(lines[3]).toContain('deny');
  });
});
