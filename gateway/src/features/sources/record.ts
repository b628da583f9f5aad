import { FeatureContractError } from '../errors';

/** A flat text record (one CSV row or Zeek log line) keyed by column name. */
export type TextRecord = Readonly<Record<string, string>>;

/** Zips a header and a row of an unquoted CSV (the NF-v2 and CICFlowMeter files have no quoting). */
export function csvRecord(header: string, line: string): TextRecord {
  const names = header.split(',');
  const values = line.replace(/\r?\n$/, '').split(',');
  if (values.length !== names.length) {
    throw new FeatureContractError(
      'FLOW_RECORD_INVALID',
      `CSV row has ${values.length} fields, header has ${names.length}`,
    );
  }
  const out: Record<string, string> = {};
  names.forEach((name, i) => {
    out[name] = values[i] ?? '';
  });
  return out;
}

/** The numeric value of a required column; unset markers (Zeek '-', '(empty)') count as 0 when allowed. */
export function numberField(record: TextRecord, name: string, unsetIsZero = false): number {
  const text = record[name];
  if (text === undefined) {
    throw new FeatureContractError('FLOW_RECORD_INVALID', `record has no field ${name}`);
  }
  if (unsetIsZero && (text === '-' || text === '(empty)')) {
    return 0;
  }
  const value = Number(text);
  if (text.trim() === '' || Number.isNaN(value)) {
    throw new FeatureContractError(
      'FLOW_RECORD_INVALID',
      `field ${name} is not a number: ${JSON.stringify(text)}`,
    );
  }
  return value;
}

export function textField(record: TextRecord, name: string): string {
  return record[name] ?? '';
}
