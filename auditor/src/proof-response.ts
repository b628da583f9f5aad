import {
  VERDICTS,
  isCategory,
  isIsoTimestamp,
  isSha256Hex,
  recordContent,
  type InclusionProof,
  type Verdict,
} from '@cityledger/core';

/** Which batch a gateway says a record is in. At least one field is set. */
export interface BatchReference {
  readonly id?: string;
  readonly seq?: number;
  readonly root?: string;
}

/**
 * A record inside a batch: an exchange record or a gateway's flow record. Batches read only these
 * fields; the leaf is the canonical JSON of the whole content without `signature`.
 */
export interface BatchedRecord {
  readonly gatewayId: string;
  readonly category: string;
  readonly observedAt: string;
  readonly verdict: Verdict;
  readonly [field: string]: unknown;
}

/** What a gateway answers to `GET /records/:id/proof`, once validated. */
export interface ProofResponse {
  readonly record: BatchedRecord;
  readonly proof: InclusionProof;
  readonly batch: BatchReference;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseProof(value: unknown): InclusionProof {
  if (!isObject(value)) {
    throw new Error('proof must be an object');
  }
  const { index, size, path } = value;
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || !Array.isArray(path)) {
    throw new Error('proof needs integer index and size and a path array');
  }
  if (!path.every((h) => isSha256Hex(h))) {
    throw new Error('proof.path must hold sha256 hex strings');
  }
  return { index: index as number, size: size as number, path: path };
}

function parseBatchReference(value: Record<string, unknown>): BatchReference {
  const nested = isObject(value.batch) ? value.batch : {};
  const id = value.batchId ?? nested.id ?? nested.batchId;
  const seq = value.batchSeq ?? value.seq ?? nested.seq;
  const root = value.root ?? nested.root;
  const ref: BatchReference = {
    ...(isSha256Hex(id) ? { id } : {}),
    ...(Number.isSafeInteger(seq) ? { seq: seq as number } : {}),
    ...(isSha256Hex(root) ? { root } : {}),
  };
  if (ref.id === undefined && ref.seq === undefined && ref.root === undefined) {
    throw new Error('the response names no batch (batchId, batch.seq or root)');
  }
  return ref;
}

const SLUG = /^[a-z0-9][a-z0-9._-]{0,63}$/;

function parseBatchedRecord(raw: Record<string, unknown>): BatchedRecord {
  const content = recordContent(raw as never) as unknown as Record<string, unknown>;
  const { gatewayId, category, observedAt, verdict } = content;
  if (typeof gatewayId !== 'string' || !SLUG.test(gatewayId)) {
    throw new Error('record.gatewayId must be a gateway id');
  }
  if (!isCategory(category)) {
    throw new Error('record.category must be a category');
  }
  if (!isIsoTimestamp(observedAt)) {
    throw new Error('record.observedAt must be an ISO timestamp');
  }
  if (!(VERDICTS as readonly unknown[]).includes(verdict)) {
    throw new Error('record.verdict must be a verdict');
  }
  return content as BatchedRecord;
}

/**
 * Validates a gateway's proof response. The record may come with or without its signature; only
 * its content is the Merkle leaf. Throws an Error saying what is wrong.
 */
export function parseProofResponse(value: unknown): ProofResponse {
  if (!isObject(value)) {
    throw new Error('the response is not a JSON object');
  }
  const raw = value.record ?? value.content;
  if (!isObject(raw)) {
    throw new Error('the response has no record');
  }
  return {
    record: parseBatchedRecord(raw),
    proof: parseProof(value.proof),
    batch: parseBatchReference(value),
  };
}
