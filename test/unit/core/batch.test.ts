import {
  GENESIS_ROOT,
  MerkleTree,
  batchId,
  batchLeafData,
  buildBatch,
  canonicalBytes,
  parseBatchAnchor,
  recordContent,
  signBatchAttestation,
  verifyInclusion,
} from '@cityledger/core';
import { exchangeContent, p256Keys, signedRecord, withField } from './fixtures';

const keys = p256Keys();
const records = [
  exchangeContent({ observedAt: '2026-03-01T10:00:02.000Z' }),
  exchangeContent({ observedAt: '2026-03-01T10:00:00.000Z', verdict: 'suspicious', threatScore: 0.6 }),
  exchangeContent({ observedAt: '2026-03-01T10:00:05.000Z', category: 'health/bed-occupancy' }),
];

describe('batches', () => {
  const content = buildBatch('health-gw-1', GENESIS_ROOT, records);
  const anchor = { ...content, signature: signBatchAttestation(keys.privateKeyPem, content) };

  it('summarises records: count, time range, verdict and category counts, root', () => {
    expect(content).toMatchObject({
      gatewayId: 'health-gw-1',
      count: 3,
      fromTime: '2026-03-01T10:00:00.000Z',
      toTime: '2026-03-01T10:00:05.000Z',
      verdictCounts: { benign: 2, suspicious: 1, malicious: 0 },
      categoryCounts: { 'health/patient-flow': 2, 'health/bed-occupancy': 1 },
      prevRoot: GENESIS_ROOT,
    });
    expect(content.root).toBe(new MerkleTree(records.map((r) => canonicalBytes(r))).root());
  });

  it('proves a record, signed or not, by its leaf data', () => {
    const tree = new MerkleTree(records.map((r) => batchLeafData(r)));
    const signed = signedRecord(keys, {
      observedAt: '2026-03-01T10:00:00.000Z',
      verdict: 'suspicious',
      threatScore: 0.6,
    });
    expect(batchLeafData(signed).equals(canonicalBytes(recordContent(signed)))).toBe(true);
    expect(verifyInclusion(batchLeafData(signed), tree.inclusionProof(1), content.root)).toBe(true);
  });

  it('accepts a valid anchor', () => {
    expect(parseBatchAnchor(JSON.parse(JSON.stringify(anchor)))).toEqual(anchor);
  });

  it('gives the id of the content without signature', () => {
    expect(batchId(anchor)).toBe(batchId(content));
    expect(batchId({ ...content, count: 4 })).not.toBe(batchId(content));
  });

  it.each([
    ['root', 'x'],
    ['count', 0],
    ['count', 10_000_001],
    ['fromTime', 'now'],
    ['toTime', '2026-03-01T09:00:00.000Z'],
    ['prevRoot', ''],
    ['signature', ''],
    ['verdictCounts', { benign: 3, suspicious: 0 }],
    ['verdictCounts', { benign: 2, suspicious: 0, malicious: 0 }],
    ['categoryCounts', { 'health/patient-flow': 3, 'health/bed-occupancy': 1 }],
    ['categoryCounts', { 'health/patient-flow': 3, 'health/other': 0 }],
    ['categoryCounts', { nocategory: 3 }],
    ['extra', 1],
  ])('rejects %s = %j', (field, value) => {
    expect(() => parseBatchAnchor(withField(anchor, field, value))).toThrow(/^INVALID_ARGUMENT: batch\./);
  });

  it('refuses to build an empty batch', () => {
    expect(() => buildBatch('gw', GENESIS_ROOT, [])).toThrow(RangeError);
  });
});
