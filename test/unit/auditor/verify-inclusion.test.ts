import {
  GENESIS_ROOT,
  MerkleTree,
  batchLeafData,
  buildBatch,
  batchId,
  sha256Hex,
  canonicalBytes,
  signBatchAttestation,
  type BatchEntry,
  type ExchangeContent,
} from '@cityledger/core';
import { batchChainBreak } from '../../../auditor/src/batch-chain';
import { exitCodeFor, failedChecks, verified } from '../../../auditor/src/checks';
import { verifyInclusionEvidence } from '../../../auditor/src/verify-inclusion';
import { at, batchChain, gatewayHistory, keys, p256, proofResponse } from './world';

describe('verify inclusion', () => {
  const chain = batchChain(5);
  const evidenceFor = (response: unknown, batches: readonly BatchEntry[] = chain.batches) => ({
    id: proofResponse(chain, 1, 3).recordId,
    response,
    batches,
    gatewayHistory,
  });

  it('passes on a genuine proof against the root on chain', () => {
    const results = verifyInclusionEvidence(evidenceFor(proofResponse(chain, 1, 3)));
    expect(results.map((r) => [r.name, r.status])).toEqual([
      ['proof-response', 'pass'],
      ['batch-on-chain', 'pass'],
      ['inclusion-proof', 'pass'],
      ['batch-signature', 'pass'],
      ['batch-chain', 'pass'],
    ]);
    expect(exitCodeFor(results)).toBe(0);
  });

  it('verifies every leaf of every batch, including odd-sized trees', () => {
    const odd = batchChain(7);
    for (let b = 0; b < 3; b += 1) {
      for (let i = 0; i < 7; i += 1) {
        const response = proofResponse(odd, b, i);
        const results = verifyInclusionEvidence({
          id: response.recordId,
          response,
          batches: odd.batches,
          gatewayHistory,
        });
        expect(verified(results)).toBe(true);
      }
    }
  });

  it('names inclusion-proof for a proof made for the wrong root', () => {
    // The gateway cites batch 3 but the proof and record come from batch 2.
    const response = { ...proofResponse(chain, 1, 3), batch: { seq: 3 } };
    const results = verifyInclusionEvidence(evidenceFor(response));
    expect(failedChecks(results)).toContain('inclusion-proof');
    expect(exitCodeFor(results)).toBe(31);
    // Same batch, proof path tampered with.
    const genuine = proofResponse(chain, 1, 3);
    const tampered = {
      ...genuine,
      proof: { ...genuine.proof, path: ['0'.repeat(64), ...genuine.proof.path.slice(1)] },
    };
    const r2 = verifyInclusionEvidence(evidenceFor(tampered));
    expect(failedChecks(r2)).toEqual(['inclusion-proof']);
    expect(exitCodeFor(r2)).toBe(32);
  });

  it('names proof-response when the gateway returns another record or an altered one', () => {
    const other = proofResponse(chain, 1, 2);
    const results = verifyInclusionEvidence(evidenceFor(other));
    expect(failedChecks(results)).toEqual(['proof-response']);
    expect(exitCodeFor(results)).toBe(30);
    const genuine = proofResponse(chain, 1, 3);
    const altered = { ...genuine, record: { ...genuine.record, payloadSize: 1 } };
    expect(failedChecks(verifyInclusionEvidence(evidenceFor(altered)))).toEqual(['proof-response']);
    expect(failedChecks(verifyInclusionEvidence(evidenceFor({ nonsense: true })))).toEqual([
      'proof-response',
    ]);
  });

  it('names batch-on-chain for a root that is not on chain', () => {
    const response = { ...proofResponse(chain, 1, 3), batch: { root: 'c'.repeat(64) } };
    const results = verifyInclusionEvidence(evidenceFor(response));
    expect(failedChecks(results)).toEqual(['batch-on-chain']);
  });

  it('names batch-chain when a batch is missing from the chain', () => {
    const withoutFirst = [chain.batches[1]!, chain.batches[2]!];
    const results = verifyInclusionEvidence(evidenceFor(proofResponse(chain, 1, 3), withoutFirst));
    expect(failedChecks(results)).toEqual(['batch-chain']);
    expect(exitCodeFor(results)).toBe(34);
    expect(results.find((r) => r.name === 'batch-chain')!.detail).toMatch(/batch 1 is missing/);
  });

  it('detects a removed batch even when seq numbers were rewritten, and a reorder', () => {
    const renumbered = [chain.batches[0]!, { ...chain.batches[2]!, seq: 2 }];
    expect(batchChainBreak('health-gw-1', renumbered)).toMatch(/prevRoot/);
    const swapped = [{ ...chain.batches[0]!, seq: 2 }, { ...chain.batches[1]!, seq: 1 }, chain.batches[2]!];
    expect(batchChainBreak('health-gw-1', swapped)).toMatch(/prevRoot/);
    expect(batchChainBreak('health-gw-1', chain.batches)).toBeUndefined();
  });

  it('names batch-signature for a batch anchor signed by another key', () => {
    const forger = p256();
    const target = chain.batches[1]!;
    const content = buildBatch('health-gw-1', target.batch.prevRoot, chain.contents[1]!);
    const forgedAnchor = { ...content, signature: signBatchAttestation(forger.privateKeyPem, content) };
    const forged = [
      chain.batches[0]!,
      { ...target, batch: forgedAnchor, id: batchId(forgedAnchor) },
      chain.batches[2]!,
    ];
    const results = verifyInclusionEvidence(evidenceFor(proofResponse(chain, 1, 3), forged));
    expect(failedChecks(results)).toEqual(['batch-signature']);
    expect(exitCodeFor(results)).toBe(33);
  });

  it("verifies a gateway's flow record (not an exchange record) inside a batch", () => {
    const flows = [0, 1, 2].map((i) => ({
      gatewayId: 'health-gw-1',
      category: 'health/network-flows',
      observedAt: at(11 + i / 10),
      verdict: 'benign',
      threatScore: 0.01 * i,
      anomalyScore: 0.2,
      modelId: 'threat-clf',
      modelVersion: '1.2.0',
      flow: { srcAddr: '10.0.0.1', dstAddr: '10.0.0.9', dstPort: 443 + i, packets: 12, bytes: 3400 },
    }));
    const asRecords = flows as unknown as ExchangeContent[];
    const built = buildBatch('health-gw-1', GENESIS_ROOT, asRecords);
    const anchor = { ...built, signature: signBatchAttestation(keys.privateKeyPem, built) };
    const entry: BatchEntry = {
      id: batchId(anchor),
      seq: 1,
      batch: anchor,
      anchoredAt: at(20),
      txId: 'tx-f',
    };
    const tree = new MerkleTree(asRecords.map((r) => batchLeafData(r)));
    const id = sha256Hex(canonicalBytes(flows[1]));
    const response = { recordId: id, record: flows[1], batchId: entry.id, proof: tree.inclusionProof(1) };
    expect(verified(verifyInclusionEvidence({ id, response, batches: [entry], gatewayHistory }))).toBe(true);
  });
});
