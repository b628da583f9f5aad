/**
 * Just enough protocol-buffer wire format (varints and length-delimited fields) for the few shim
 * messages fabric-shim 2.5.8 lacks. Not `@hyperledger/fabric-protos` 0.3: its generated code
 * registers message classes in google-protobuf's global namespace, where the shim's 0.2 copy already
 * sits, and the two then share (and break) each other's classes and enums in one process.
 */

const WIRE_VARINT = 0;
const WIRE_BYTES = 2;

function varint(n: number): number[] {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new RangeError(`cannot encode ${n} as a varint`);
  }
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push(v % 128 | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

/** Builds a message field by field (proto3: default values are left out, as protobuf does). */
export class ProtoWriter {
  readonly #parts: Uint8Array[] = [];

  varint(field: number, value: number): this {
    if (value !== 0) {
      this.#parts.push(Uint8Array.from([...varint(field * 8 + WIRE_VARINT), ...varint(value)]));
    }
    return this;
  }

  /** A bytes, string or embedded-message field; `always` writes it even when empty (repeated). */
  bytes(field: number, value: Uint8Array | string, always = false): this {
    const data = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
    if (data.length > 0 || always) {
      this.#parts.push(Uint8Array.from([...varint(field * 8 + WIRE_BYTES), ...varint(data.length)]), data);
    }
    return this;
  }

  finish(): Uint8Array {
    return Buffer.concat(this.#parts);
  }
}

export interface ProtoField {
  readonly field: number;
  /** Set for varint fields. */
  readonly number?: number;
  /** Set for length-delimited fields. */
  readonly bytes?: Uint8Array;
}

/** The fields of a message in order; other wire types (fixed32/64, groups) are refused. */
export function readFields(data: Uint8Array): ProtoField[] {
  const fields: ProtoField[] = [];
  let pos = 0;
  const next = (): number => {
    let result = 0;
    for (let scale = 1; ; scale *= 128) {
      if (pos >= data.length || scale > 2 ** 49) {
        throw new RangeError('truncated or oversized varint in a protobuf message');
      }
      const b = data[pos++] as number;
      result += (b & 0x7f) * scale;
      if (b < 0x80) {
        return result;
      }
    }
  };
  while (pos < data.length) {
    const tag = next();
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (wire === WIRE_VARINT) {
      fields.push({ field, number: next() });
    } else if (wire === WIRE_BYTES) {
      const length = next();
      if (pos + length > data.length) {
        throw new RangeError('truncated field in a protobuf message');
      }
      fields.push({ field, bytes: data.subarray(pos, pos + length) });
      pos += length;
    } else {
      throw new RangeError(`unexpected protobuf wire type ${wire}`);
    }
  }
  return fields;
}
