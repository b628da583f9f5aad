/**
 * A template compiled for decoding: one reader (or null to skip) and one length per field, so a data
 * record is read by a single loop without looking anything up.
 */
import { elementSpec, lengthFits, type FieldReader } from './information-elements';
import type { RecordValues } from './record-values';

/** RFC 7011 §7: a field length of 65535 announces a variable-length field. */
export const VARIABLE_LENGTH = 65535;

/** The lowest id a data or options template may have (lower ids name sets). */
export const MIN_TEMPLATE_ID = 256;

export type TemplateKind = 'data' | 'options';

export interface FieldSpecifier {
  readonly id: number;
  readonly length: number;
  /** Private enterprise number; 0 for IANA elements (and always in NetFlow v9). */
  readonly enterprise: number;
}

export interface Template {
  readonly id: number;
  readonly kind: TemplateKind;
  readonly fieldCount: number;
  /** Smallest possible record: fixed lengths plus one length byte per variable field; at least 1. */
  readonly minLength: number;
  readonly lengths: readonly number[];
  readonly readers: readonly (FieldReader | null)[];
}

/**
 * Compiles a template definition, or returns why it is unusable. Scope fields of options templates are
 * never read (in NetFlow v9 their types are a separate numbering). Known elements must have a length
 * their type allows, and a record must take at least one byte, so that reading data cannot loop.
 */
export function compileTemplate(
  id: number,
  kind: TemplateKind,
  fields: readonly FieldSpecifier[],
  scopeCount: number,
): Template | string {
  if (id < MIN_TEMPLATE_ID) return `template id ${id} is below ${MIN_TEMPLATE_ID}`;
  if (fields.length === 0) return `template ${id} has no fields`;
  const lengths: number[] = [];
  const readers: (FieldReader | null)[] = [];
  let minLength = 0;
  for (const [i, f] of fields.entries()) {
    const spec = i < scopeCount ? undefined : elementSpec(f.id, f.enterprise);
    if (spec !== undefined && !lengthFits(spec.rule, f.length)) {
      return `template ${id}: ${spec.name} with length ${f.length}`;
    }
    lengths.push(f.length);
    readers.push(spec === undefined ? null : spec.read);
    minLength += f.length === VARIABLE_LENGTH ? 1 : f.length;
  }
  if (minLength === 0) return `template ${id}: every field has length 0`;
  return { id, kind, fieldCount: fields.length, minLength, lengths, readers };
}

/**
 * Reads one record starting at `off` into `values`; returns the offset after it, or -1 when the record
 * would run past `end`.
 */
export function readRecord(t: Template, values: RecordValues, buf: Buffer, off: number, end: number): number {
  const { lengths, readers } = t;
  for (let i = 0; i < lengths.length; i++) {
    let len = lengths[i] ?? 0;
    if (len === VARIABLE_LENGTH) {
      if (off >= end) return -1;
      len = buf.readUInt8(off);
      off += 1;
      if (len === 255) {
        if (off + 2 > end) return -1;
        len = buf.readUInt16BE(off);
        off += 2;
      }
    }
    if (off + len > end) return -1;
    const read = readers[i];
    if (read) read(values, buf, off, len);
    off += len;
  }
  return off;
}
