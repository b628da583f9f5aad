import {
  type BatchEntry,
  buildBatch,
  type ExchangeContent,
  GENESIS_ROOT,
  MerkleTree,
  batchLeafData,
  recordContent,
  signBatchAttestation,
  verifyInclusion,
} from '@cityledger/core';
import { ClientPool, waitUntilVisible } from '../support/network';
import { buildCity, type City, expectCode, privatePem } from './city';

/** Batch anchors chained per gateway, and inclusion proofs checked against the anchored root. */
describe('chaincode: anchorBatch', () => {
  const pool = new ClientPool();
  let city: City;
  beforeAll(async () => {
    city = await buildCity(pool);
  });
  afterAll(() => {
    pool.closeAll();
  });

  function batchOf(prevRoot: string, n: number): { records: ExchangeContent[]; arg: string } {
    const records = Array.from({ length: n }, () => recordContent(city.sign()));
    const content = buildBatch(city.gatewayId, prevRoot, records);
    const anchor = { ...content, signature: signBatchAttestation(privatePem(city.attestationKey), content) };
    return { records, arg: JSON.stringify(anchor) };
  }

  it('anchors a chain of batches and proves a record of each against the ledger root', async () => {
    const first = batchOf(GENESIS_ROOT, 1_000);
    const r1 = await city.gateway.submitJson<{ entry: BatchEntry }>('exchange:anchorBatch', [first.arg]);
    expect(r1.entry.seq).toBe(1);
    const second = batchOf(r1.entry.batch.root, 7);
    const r2 = await city.gateway.submitJson<{ entry: BatchEntry }>('exchange:anchorBatch', [second.arg]);
    expect(r2.entry.seq).toBe(2);

    const auditor = pool.as('audit', 'auditor');
    await waitUntilVisible(() => auditor.evaluate('exchange:getBatch', [city.gatewayId, '1']));
    const stored = await auditor.evaluateJson<BatchEntry>('exchange:getBatch', [city.gatewayId, '1']);
    const tree = new MerkleTree(first.records.map((r) => batchLeafData(r)));
    expect(
      verifyInclusion(batchLeafData(first.records[617]!), tree.inclusionProof(617), stored.batch.root),
    ).toBe(true);
    await expectCode(city.gateway.submit('exchange:anchorBatch', [batchOf(GENESIS_ROOT, 3).arg]), 'CONFLICT');
  });
});
