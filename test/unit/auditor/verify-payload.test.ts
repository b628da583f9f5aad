import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sha256Hex } from '@cityledger/core';
import { exitCodeFor, failedChecks } from '../../../auditor/src/checks';
import { digestFile, verifyPayloadEvidence } from '../../../auditor/src/verify-payload';
import { content, entryFor } from './world';

describe('verify payload', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'auditor-payload-'));
  const file = path.join(dir, 'payload.bin');
  const bytes = Buffer.from('payload bytes');
  writeFileSync(file, bytes);
  const entry = entryFor(content({ payloadSha256: sha256Hex(bytes), payloadSize: bytes.length }));

  it('hashes a file as a stream', async () => {
    const big = path.join(dir, 'big.bin');
    const data = Buffer.alloc(3 * 1024 * 1024 + 7, 0x5a);
    writeFileSync(big, data);
    expect(await digestFile(big)).toEqual({ sha256: sha256Hex(data), size: data.length });
  });

  it('passes when the file is the payload on chain', async () => {
    const results = verifyPayloadEvidence(entry.id, entry, await digestFile(file));
    expect(exitCodeFor(results)).toBe(0);
  });

  it('names payload-sha256 for an altered payload of the same size', async () => {
    const altered = path.join(dir, 'altered.bin');
    writeFileSync(altered, Buffer.from('payload bytez'));
    const results = verifyPayloadEvidence(entry.id, entry, await digestFile(altered));
    expect(failedChecks(results)).toEqual(['payload-sha256']);
    expect(exitCodeFor(results)).toBe(20);
  });

  it('names record-on-chain when there is no such record', async () => {
    const results = verifyPayloadEvidence('0'.repeat(64), undefined, await digestFile(file));
    expect(failedChecks(results)).toEqual(['record-on-chain']);
  });
});
