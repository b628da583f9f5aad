import { ProtoWriter, readFields } from './protobuf';

/**
 * The parts of the chaincode ↔ peer protocol (peer/chaincode_shim.proto and chaincode.proto of
 * Fabric 3) that fabric-shim 2.5.8 does not speak: the options a peer announces in READY,
 * GET_STATE_MULTIPLE and WRITE_BATCH_STATE. Payloads only; the envelope (ChaincodeMessage) stays
 * the shim's. Field numbers are those of the .proto files.
 */

/** ChaincodeMessage.Type values. */
export const MESSAGE_TYPE = { ready: 4, writeBatchState: 24, getStateMultiple: 25 } as const;

/** WriteRecord.Type values. */
const RECORD_TYPE = { put: 9, delete: 10, metadata: 21 } as const;

/** What a peer accepts on a chaincode connection (ChaincodeAdditionalParams); 0 = not at all. */
export interface PeerBatchLimits {
  /** Most write records in one WRITE_BATCH_STATE. */
  readonly maxWrites: number;
  /** Most keys in one GET_STATE_MULTIPLE. */
  readonly maxReads: number;
}

export const NO_BATCHING: PeerBatchLimits = { maxWrites: 0, maxReads: 0 };

/**
 * Decodes the READY payload (use_write_batch 1, max_size_write_batch 2, use_get_multiple_keys 3,
 * max_size_get_multiple_keys 4). A peer before Fabric 3 sends none: no batching.
 */
export function decodePeerLimits(payload: Uint8Array): PeerBatchLimits {
  const value: Record<number, number> = {};
  for (const f of readFields(payload)) {
    value[f.field] = f.number ?? 0;
  }
  const useWrites = (value[1] ?? 0) !== 0;
  const useReads = (value[3] ?? 0) !== 0;
  return {
    maxWrites: useWrites ? (value[2] ?? 0) : 0,
    maxReads: useReads ? (value[4] ?? 0) : 0,
  };
}

export function encodePeerLimits(limits: PeerBatchLimits): Uint8Array {
  return new ProtoWriter()
    .varint(1, limits.maxWrites > 0 ? 1 : 0)
    .varint(2, limits.maxWrites)
    .varint(3, limits.maxReads > 0 ? 1 : 0)
    .varint(4, limits.maxReads)
    .finish();
}

/** One buffered ledger change, in the peer's WriteRecord terms. */
export type WriteOp =
  | { readonly type: 'put'; readonly collection: string; readonly key: string; readonly value: Uint8Array }
  | { readonly type: 'delete'; readonly collection: string; readonly key: string }
  | {
      readonly type: 'metadata';
      readonly collection: string;
      readonly key: string;
      readonly metakey: string;
      readonly value: Uint8Array;
    };

/** WriteRecord: key 1, value 2, collection 3, metadata 4 (StateMetadata: metakey 1, value 2), type 5. */
function writeRecord(op: WriteOp): Uint8Array {
  const record = new ProtoWriter().bytes(1, op.key);
  if (op.type === 'put') {
    record.bytes(2, op.value);
  }
  record.bytes(3, op.collection);
  if (op.type === 'metadata') {
    record.bytes(4, new ProtoWriter().bytes(1, op.metakey).bytes(2, op.value).finish(), true);
  }
  return record.varint(5, RECORD_TYPE[op.type]).finish();
}

/** WriteBatchState: repeated WriteRecord rec = 1. */
export function encodeWriteBatch(ops: readonly WriteOp[]): Uint8Array {
  const batch = new ProtoWriter();
  for (const op of ops) {
    batch.bytes(1, writeRecord(op), true);
  }
  return batch.finish();
}

/** GetStateMultiple: repeated string keys = 1, collection = 2. */
export function encodeGetStateMultiple(collection: string, keys: readonly string[]): Uint8Array {
  const request = new ProtoWriter();
  for (const key of keys) {
    request.bytes(1, key, true);
  }
  return request.bytes(2, collection).finish();
}

/**
 * The values of a GET_STATE_MULTIPLE answer (GetStateMultipleResult: repeated bytes values = 1), in
 * the order of the keys asked, empty for an absent key. The peer answers an empty list when its state
 * database failed, so a count that differs from the keys asked is an error, never absent keys.
 */
export function decodeGetStateMultiple(payload: Uint8Array, expected: number): Buffer[] {
  const values = readFields(payload)
    .filter((f) => f.field === 1)
    .map((f) => Buffer.from(f.bytes ?? new Uint8Array()));
  if (values.length !== expected) {
    throw new Error(`GET_STATE_MULTIPLE answered ${values.length} values for ${expected} keys`);
  }
  return values;
}
