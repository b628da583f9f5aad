import { EVENTS } from '@cityledger/core';
import { parseBlock } from '../../../auditor/src/block-parser';
import { ledgerEvents, ledgerObjects } from '../../../auditor/src/ledger-objects';
import { block } from './blocks';
import { content, entryFor, gateway } from './world';

describe('block parser', () => {
  const entry = entryFor(content({ threatScore: 0.95 }));
  const event = {
    type: EVENTS.exchangeFlagged,
    txId: 'tx1',
    at: '2026-03-01T08:10:01.000Z',
    recordId: entry.id,
    gatewayId: 'health-gw-1',
  };
  const parsed = parseBlock(
    block(7, [
      {
        txId: 'tx1',
        timestamp: '2026-03-01T08:10:01.250Z',
        writes: [
          { key: `record~${entry.id}`, value: entry },
          { key: `ix~all~t~_~${entry.record.observedAt}~${entry.id}`, value: { id: entry.id } },
          { key: 'lscc-ish', value: { x: 1 }, namespace: 'othercc' },
        ],
        event: { name: EVENTS.exchangeFlagged, payload: event },
      },
      {
        txId: 'tx2',
        timestamp: '2026-03-01T08:10:02.000Z',
        writes: [{ key: `gateway~${gateway.id}`, value: gateway }],
        code: 11,
      },
      { txId: 'tx3', timestamp: '2026-03-01T08:10:03.000Z', writes: [{ key: `record~${entry.id}` }] },
    ]),
    'cityledger',
  );

  it('reads the number, transaction ids, timestamps and validation codes', () => {
    expect(parsed.number).toBe(7n);
    expect(parsed.transactions.map((t) => [t.txId, t.timestamp, t.valid, t.validationCode])).toEqual([
      ['tx1', '2026-03-01T08:10:01.250Z', true, 0],
      ['tx2', '2026-03-01T08:10:02.000Z', false, 11],
      ['tx3', '2026-03-01T08:10:03.000Z', true, 0],
    ]);
  });

  it("keeps the chaincode's writes and events only", () => {
    const tx1 = parsed.transactions[0]!;
    expect(tx1.writes.map((w) => w.key)).toEqual([
      `record~${entry.id}`,
      `ix~all~t~_~${entry.record.observedAt}~${entry.id}`,
    ]);
    expect(ledgerObjects(tx1)).toEqual([{ kind: 'record', value: entry }]);
    expect(ledgerEvents(tx1)).toEqual([event]);
  });

  it('ignores invalid transactions and deletes', () => {
    expect(ledgerObjects(parsed.transactions[1]!)).toEqual([]);
    expect(parsed.transactions[2]!.writes).toEqual([{ key: `record~${entry.id}`, value: undefined }]);
    expect(ledgerObjects(parsed.transactions[2]!)).toEqual([]);
  });
});
