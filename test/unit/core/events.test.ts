import { EVENTS, canonicalBytes, decodeEvent, isEventName } from '@cityledger/core';

describe('events', () => {
  it('has distinct, namespaced names', () => {
    const names = Object.values(EVENTS);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) {
      expect(name).toMatch(/^cityledger\.[a-z]+\.[a-z-]+$/);
      expect(isEventName(name)).toBe(true);
    }
    expect(isEventName('cityledger.unknown')).toBe(false);
  });

  it('decodes a payload whose type repeats the name', () => {
    const payload = {
      type: EVENTS.policyChanged,
      txId: 't1',
      at: '2026-01-01T00:00:00.000Z',
      category: 'health/patient-flow',
      owner: 'health',
      version: 2,
    };
    expect(decodeEvent(EVENTS.policyChanged, canonicalBytes(payload))).toEqual(payload);
    expect(decodeEvent(EVENTS.modelRetired, canonicalBytes(payload))).toBeUndefined();
    expect(decodeEvent('other', canonicalBytes(payload))).toBeUndefined();
    expect(decodeEvent(EVENTS.policyChanged, Buffer.from('{not json'))).toBeUndefined();
  });
});
