import type { ExchangeEntry } from '@cityledger/core';

export const OUTPUT_FORMATS = ['table', 'json', 'jsonl', 'csv'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** The flat columns of a record row (CSV header and table columns). */
export const RECORD_COLUMNS = [
  'id',
  'observedAt',
  'recordedAt',
  'gatewayId',
  'sourceDepartment',
  'consumerDepartment',
  'category',
  'purpose',
  'verdict',
  'threatScore',
  'decision',
  'denyReason',
  'policyVersion',
  'modelId',
  'modelVersion',
  'payloadSha256',
  'payloadSize',
  'txId',
] as const;
export type RecordColumn = (typeof RECORD_COLUMNS)[number];

export function recordRow(entry: ExchangeEntry): Record<RecordColumn, string> {
  const r = entry.record;
  return {
    id: entry.id,
    observedAt: r.observedAt,
    recordedAt: entry.recordedAt,
    gatewayId: r.gatewayId,
    sourceDepartment: r.sourceDepartment,
    consumerDepartment: r.consumerDepartment,
    category: r.category,
    purpose: r.purpose,
    verdict: r.verdict,
    threatScore: String(r.threatScore),
    decision: r.decision,
    denyReason: entry.denyReason ?? '',
    policyVersion: String(r.policyVersion),
    modelId: r.modelId,
    modelVersion: r.modelVersion,
    payloadSha256: r.payloadSha256,
    payloadSize: String(r.payloadSize),
    txId: entry.txId,
  };
}

const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break. A text cell that a
 * spreadsheet would run as a formula gets a leading apostrophe (CSV injection).
 */
export function csvField(value: string): string {
  const safe = FORMULA_START.test(value) && !/^-?\d/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function csvLine(values: readonly string[]): string {
  return values.map(csvField).join(',') + '\r\n';
}

export function csvHeader(): string {
  return csvLine(RECORD_COLUMNS);
}

export function csvRecord(entry: ExchangeEntry): string {
  const row = recordRow(entry);
  return csvLine(RECORD_COLUMNS.map((c) => row[c]));
}

const TABLE_COLUMNS: readonly { column: RecordColumn; width: number }[] = [
  { column: 'id', width: 12 },
  { column: 'observedAt', width: 24 },
  { column: 'gatewayId', width: 16 },
  { column: 'sourceDepartment', width: 9 },
  { column: 'consumerDepartment', width: 9 },
  { column: 'category', width: 26 },
  { column: 'verdict', width: 10 },
  { column: 'decision', width: 8 },
  { column: 'policyVersion', width: 3 },
];

const HEADINGS: Partial<Record<RecordColumn, string>> = {
  sourceDepartment: 'source',
  consumerDepartment: 'consumer',
  policyVersion: 'pv',
  gatewayId: 'gateway',
};

function cell(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);
}

export function tableHeader(): string {
  const head = TABLE_COLUMNS.map((c) => cell(HEADINGS[c.column] ?? c.column, c.width)).join(' ');
  const rule = TABLE_COLUMNS.map((c) => '-'.repeat(c.width)).join(' ');
  return `${head.trimEnd()}\n${rule}\n`;
}

export function tableRecord(entry: ExchangeEntry): string {
  const row = recordRow(entry);
  return (
    TABLE_COLUMNS.map((c) => cell(row[c.column], c.width))
      .join(' ')
      .trimEnd() + '\n'
  );
}

/** Writes records in a format, page by page, so large result sets stream. */
export class RecordWriter {
  readonly #format: OutputFormat;
  readonly #write: (text: string) => void;
  #count = 0;

  constructor(format: OutputFormat, write: (text: string) => void) {
    this.#format = format;
    this.#write = write;
  }

  get count(): number {
    return this.#count;
  }

  begin(): void {
    const head = { table: tableHeader(), csv: csvHeader(), json: '[', jsonl: '' }[this.#format];
    this.#write(head);
  }

  add(entry: ExchangeEntry): void {
    switch (this.#format) {
      case 'table':
        this.#write(tableRecord(entry));
        break;
      case 'csv':
        this.#write(csvRecord(entry));
        break;
      case 'json':
        this.#write(`${this.#count === 0 ? '\n' : ',\n'}  ${JSON.stringify(entry)}`);
        break;
      case 'jsonl':
        this.#write(`${JSON.stringify(entry)}\n`);
        break;
    }
    this.#count += 1;
  }

  end(): void {
    if (this.#format === 'json') {
      this.#write(this.#count === 0 ? ']\n' : '\n]\n');
    }
  }
}
