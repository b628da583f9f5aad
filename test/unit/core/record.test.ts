import {
  LIMITS,
  parseExchangeContent,
  parseExchangeRecord,
  parsePersonalData,
  personalDataHash,
  recordContent,
  recordId,
  sha256Hex,
  canonicalBytes,
  signAttestation,
} from '@cityledger/core';
import { exchangeContent, p256Keys, signedRecord, withField } from './fixtures';

const keys = p256Keys();

describe('parseExchangeRecord', () => {
  const record = signedRecord(keys);

  it('accepts a valid record and returns it unchanged', () => {
    expect(parseExchangeRecord(JSON.parse(JSON.stringify(record)))).toEqual(record);
    const withRefs = signedRecord(keys, { subjectRef: sha256Hex('s'), personalDataSha256: sha256Hex('p') });
    expect(parseExchangeRecord(withRefs)).toEqual(withRefs);
  });

  it.each([
    ['gatewayId', 'Bad Id'],
    ['gatewayId', 'x'.repeat(65)],
    ['sourceDepartment', 'audit'],
    ['consumerDepartment', 'police'],
    ['category', 'health'],
    ['category', 'finance/ledger'],
    ['purpose', 'Emergency'],
    ['payloadSha256', 'ABC'],
    ['payloadSha256', sha256Hex('x').toUpperCase()],
    ['payloadSize', -1],
    ['payloadSize', 1.5],
    ['payloadSize', '10'],
    ['observedAt', '2026-03-01T10:00:00Z'],
    ['observedAt', '2026-03-01T10:00:00.000+01:00'],
    ['observedAt', '2026-02-30T10:00:00.000Z'],
    ['threatScore', 1.01],
    ['threatScore', -0.1],
    ['verdict', 'evil'],
    ['modelId', ''],
    ['modelVersion', 'v1'],
    ['policyVersion', 0],
    ['decision', 'maybe'],
    ['subjectRef', 'patient-1234'],
    ['personalDataSha256', 'nothex'],
    ['signature', 'abc'],
    ['signature', 42],
  ])('rejects %s = %j with INVALID_ARGUMENT', (field, value) => {
    expect(() => parseExchangeRecord(withField(record, field, value))).toThrow(/^INVALID_ARGUMENT: record\./);
  });

  it.each(['gatewayId', 'category', 'observedAt', 'signature', 'decision', 'policyVersion'])(
    'requires %s',
    (field) => {
      expect(() => parseExchangeRecord(withField(record, field, undefined))).toThrow(
        new RegExp(`^INVALID_ARGUMENT: record\\.${field} is required`),
      );
    },
  );

  it('rejects unknown fields', () => {
    expect(() => parseExchangeRecord(withField(record, 'patientName', 'Alice'))).toThrow(
      /^INVALID_ARGUMENT: record\.patientName is not an allowed field/,
    );
  });

  it('rejects non-objects', () => {
    for (const value of [null, [], 'x', 1]) {
      expect(() => parseExchangeRecord(value)).toThrow(/^INVALID_ARGUMENT: record must be a JSON object/);
    }
  });

  it('requires the source to own the category and the consumer to differ', () => {
    expect(() => parseExchangeRecord(withField(record, 'sourceDepartment', 'energy'))).toThrow(
      /^INVALID_ARGUMENT: record\.sourceDepartment must be health/,
    );
    expect(() => parseExchangeRecord(withField(record, 'consumerDepartment', 'health'))).toThrow(
      /^INVALID_ARGUMENT: record\.consumerDepartment must differ/,
    );
  });

  it('caps the canonical size', () => {
    expect(LIMITS.maxRecordBytes).toBeGreaterThan(canonicalBytes(record).length);
  });
});

describe('recordId', () => {
  it('is the sha256 of the canonical content without the signature', () => {
    const record = signedRecord(keys);
    expect(recordId(record)).toBe(sha256Hex(canonicalBytes(exchangeContent())));
    expect(recordContent(record)).toEqual(exchangeContent());
  });

  it('does not change when the record is re-signed or its keys reordered', () => {
    const content = exchangeContent();
    const a = { ...content, signature: signAttestation(keys.privateKeyPem, content) };
    const b = { ...content, signature: signAttestation(keys.privateKeyPem, content) };
    expect(a.signature).not.toBe(b.signature);
    expect(recordId(a)).toBe(recordId(b));
    const reordered = Object.fromEntries(Object.entries(content).reverse()) as typeof content;
    expect(recordId(reordered)).toBe(recordId(content));
  });

  it('changes with any content field', () => {
    const base = recordId(exchangeContent());
    expect(recordId(exchangeContent({ payloadSize: 2049 }))).not.toBe(base);
    expect(recordId(exchangeContent({ observedAt: '2026-03-01T10:00:00.001Z' }))).not.toBe(base);
  });
});

describe('parseExchangeContent', () => {
  it('accepts unsigned content and rejects a signature field', () => {
    expect(parseExchangeContent(exchangeContent())).toEqual(exchangeContent());
    expect(() => parseExchangeContent(signedRecord(keys))).toThrow(
      /record\.signature is not an allowed field/,
    );
  });
});

describe('parsePersonalData', () => {
  const data = { salt: sha256Hex('salt'), subject: 'NHS 943 476 5919', attributes: { ward: 'A&E' } };

  it('accepts valid personal data and hashes it canonically', () => {
    expect(parsePersonalData(data)).toEqual(data);
    expect(personalDataHash(data)).toBe(sha256Hex(canonicalBytes(data)));
    expect(parsePersonalData({ salt: data.salt, subject: 'x' })).toEqual({ salt: data.salt, subject: 'x' });
  });

  it.each([
    ['salt', 'short'],
    ['subject', ''],
    ['subject', 'x'.repeat(257)],
    ['subject', 'line\nbreak'],
    ['attributes', { Ward: 'x' }],
    ['attributes', { ward: 3 }],
    ['extra', 1],
  ])('rejects %s = %j', (field, value) => {
    expect(() => parsePersonalData(withField(data, field, value))).toThrow(
      /^INVALID_ARGUMENT: personalData\./,
    );
  });
});
