import {
  batchId,
  canonicalBytes,
  sha256Hex,
  verifyBatchAttestation,
  verifyInclusion,
  type BatchEntry,
  type GatewayEntry,
} from '@cityledger/core';
import { checkBatchChain } from './batch-chain';
import { fail, pass, skip, type CheckResult } from './checks';
import { parseProofResponse, type BatchReference, type ProofResponse } from './proof-response';
import { versionAt, type Versioned } from './versions';

/** What `verify inclusion` needs: the gateway's answer, and the chain's batches and registry. */
export interface InclusionEvidence {
  readonly id: string;
  /** The gateway's JSON answer, unvalidated. */
  readonly response: unknown;
  /** Every batch of the record's gateway on chain. */
  readonly batches: readonly BatchEntry[];
  readonly gatewayHistory: readonly Versioned<GatewayEntry>[];
}

/**
 * A record's leaf data, as core's batchLeafData makes it: the canonical JSON of the content without
 * `signature` (the parsed response already has it removed). Its sha256 is the record id.
 */
function leafData(response: ProofResponse): Buffer {
  return canonicalBytes(response.record);
}

function findBatch(batches: readonly BatchEntry[], ref: BatchReference): BatchEntry | undefined {
  return batches.find(
    (b) =>
      (ref.id === undefined || b.id === ref.id) &&
      (ref.seq === undefined || b.seq === ref.seq) &&
      (ref.root === undefined || b.batch.root === ref.root),
  );
}

function describe(ref: BatchReference): string {
  const parts = [
    ref.seq === undefined ? '' : `seq ${ref.seq}`,
    ref.id === undefined ? '' : `id ${ref.id.slice(0, 12)}…`,
    ref.root === undefined ? '' : `root ${ref.root.slice(0, 12)}…`,
  ];
  return parts.filter((p) => p !== '').join(', ');
}

/** Parses the response and checks it is for the record asked for. */
export function checkProofResponse(
  id: string,
  value: unknown,
): { result: CheckResult; response?: ProofResponse } {
  let response: ProofResponse;
  try {
    response = parseProofResponse(value);
  } catch (err) {
    return { result: fail('proof-response', err instanceof Error ? err.message : String(err)) };
  }
  const derived = sha256Hex(leafData(response));
  if (derived !== id) {
    return { result: fail('proof-response', `the record returned hashes to ${derived}, not ${id}`) };
  }
  return {
    result: pass(
      'proof-response',
      `record ${id.slice(0, 12)}… of ${response.record.gatewayId}, ${describe(response.batch)}`,
    ),
    response,
  };
}

function checkProof(response: ProofResponse, batch: BatchEntry): CheckResult {
  const { proof } = response;
  if (proof.size !== batch.batch.count) {
    return fail(
      'inclusion-proof',
      `proof is for a tree of ${proof.size} leaves, the batch has ${batch.batch.count}`,
    );
  }
  return verifyInclusion(leafData(response), proof, batch.batch.root)
    ? pass(
        'inclusion-proof',
        `leaf ${proof.index} of ${proof.size} leads to root ${batch.batch.root} on chain`,
      )
    : fail(
        'inclusion-proof',
        `the proof does not lead to root ${batch.batch.root} of batch ${batch.seq} on chain`,
      );
}

function checkBatchSignature(batch: BatchEntry, history: readonly Versioned<GatewayEntry>[]): CheckResult {
  if (batchId(batch.batch) !== batch.id) {
    return fail(
      'batch-signature',
      `batch ${batch.seq}'s content hashes to ${batchId(batch.batch)}, not ${batch.id}`,
    );
  }
  const version = versionAt(history, batch.anchoredAt);
  if (version === undefined) {
    return fail('batch-signature', `${batch.batch.gatewayId} was not registered at ${batch.anchoredAt}`);
  }
  try {
    return verifyBatchAttestation(version.value.attestationKeyPem, batch.batch)
      ? pass(
          'batch-signature',
          `batch ${batch.seq} signed by ${batch.batch.gatewayId}'s key at ${batch.anchoredAt}`,
        )
      : fail('batch-signature', `batch ${batch.seq}'s signature does not verify with the registered key`);
  } catch (err) {
    return fail(
      'batch-signature',
      `registered key unusable: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/** Every check of `verify inclusion`, in order. Pure: roots come from the chain, not the gateway. */
export function verifyInclusionEvidence(evidence: InclusionEvidence): CheckResult[] {
  const parsed = checkProofResponse(evidence.id, evidence.response);
  const { response } = parsed;
  if (response === undefined) {
    return [parsed.result];
  }
  const gatewayId = response.record.gatewayId;
  const chain = checkBatchChain(gatewayId, evidence.batches);
  const batch = findBatch(evidence.batches, response.batch);
  if (batch === undefined) {
    return [
      parsed.result,
      fail('batch-on-chain', `no batch of ${gatewayId} with ${describe(response.batch)} on chain`),
      skip('inclusion-proof', 'no root on chain to verify against'),
      skip('batch-signature', 'no batch on chain'),
      chain,
    ];
  }
  const inRange =
    batch.batch.gatewayId === gatewayId &&
    response.record.observedAt >= batch.batch.fromTime &&
    response.record.observedAt <= batch.batch.toTime;
  return [
    parsed.result,
    inRange
      ? pass('batch-on-chain', `batch ${batch.seq} anchored ${batch.anchoredAt} in transaction ${batch.txId}`)
      : fail(
          'batch-on-chain',
          `batch ${batch.seq} (${batch.batch.fromTime} to ${batch.batch.toTime}) cannot hold a record of ${gatewayId} observed ${response.record.observedAt}`,
        ),
    checkProof(response, batch),
    checkBatchSignature(batch, evidence.gatewayHistory),
    chain,
  ];
}
