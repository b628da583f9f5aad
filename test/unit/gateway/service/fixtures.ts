import { generateKeyPairSync } from 'node:crypto';
import type { BiFlow } from '../../../../gateway/src/flow/biflow';
import { KeyFileSigner } from '../../../../gateway/src/attestation-signer';
import { flowRecordContent, type FlowRecordContent } from '../../../../gateway/src/flow-record';

export function keyPem(): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

export function testSigner(): KeyFileSigner {
  return KeyFileSigner.fromPem(keyPem());
}

/** A distinct flow for every i. */
export function biflow(i: number, overrides: Partial<BiFlow> = {}): BiFlow {
  const start = Date.parse('2026-03-01T09:00:00.000Z') + i * 1_000;
  return {
    exporter: '127.0.0.1:40000',
    startMs: start,
    endMs: start + 250,
    protocol: 6,
    srcAddr: `10.0.${(i >> 8) & 255}.${i & 255}`,
    dstAddr: '192.168.1.10',
    srcPort: 40_000 + (i % 20_000),
    dstPort: 443,
    fwdBytes: 500 + i,
    fwdPackets: 5,
    revBytes: 4_000,
    revPackets: 4,
    fwdTcpFlags: 0x1b,
    revTcpFlags: 0x1b,
    ...overrides,
  };
}

export const RECORD_CONTEXT = {
  gatewayId: 'transport-gw-1',
  department: 'transport',
  modelId: 'flow-classifier',
  modelVersion: '1.0.0',
} as const;

export function benignRecord(i: number, observedAtMs: number): FlowRecordContent {
  return flowRecordContent(RECORD_CONTEXT, biflow(i), { verdict: 'benign', threatScore: 0.01 }, observedAtMs);
}
