import { crossCheck, type PeerView } from '../../../auditor/src/cross-check';
import { at, content, entryFor } from './world';

const records = [1, 2, 3].map((i) => entryFor(content({ observedAt: at(i) })));
const header = { number: 41n, previousHash: 'aa', dataHash: 'bb' };
const view = (peer: string, overrides: Partial<PeerView> = {}): PeerView => ({
  peer,
  height: 42n,
  header,
  records,
  truncated: false,
  ...overrides,
});

describe('cross-check', () => {
  it('passes when every peer returns the same records and block header', () => {
    const result = crossCheck([view('p1'), view('p2'), view('p3')]);
    expect(result.result.status).toBe('pass');
    expect(result.compared).toBe(3);
  });

  it('names a peer whose copy of a record differs (tampered state)', () => {
    const tampered = [
      records[0]!,
      { ...records[1]!, record: { ...records[1]!.record, payloadSize: 1 } },
      records[2]!,
    ];
    const result = crossCheck([view('p1'), view('p2', { records: tampered }), view('p3')]);
    expect(result.result.status).toBe('fail');
    expect(result.disagreements).toEqual([
      expect.objectContaining({ kind: 'different', peer: 'p2', subject: records[1]!.id }),
    ]);
  });

  it('names a lagging peer that lacks a record, and an unreachable one', () => {
    const result = crossCheck([
      view('p1'),
      view('p2', { records: records.slice(0, 2) }),
      view('p3', { error: 'UNAVAILABLE' }),
    ]);
    expect(result.disagreements.map((d) => [d.kind, d.peer])).toEqual([
      ['unreachable', 'p3'],
      ['missing', 'p2'],
    ]);
  });

  it('names a peer with a different block at the common height (rewritten ledger)', () => {
    const result = crossCheck([
      view('p1'),
      view('p2'),
      view('p3', { header: { ...header, dataHash: 'cc' } }),
    ]);
    expect(result.disagreements).toEqual([expect.objectContaining({ kind: 'block', peer: 'p3' })]);
  });

  it('compares only up to where every truncated listing is complete', () => {
    const result = crossCheck([view('p1', { records: records.slice(0, 2), truncated: true }), view('p2')]);
    expect(result.result.status).toBe('pass');
    expect(result.compared).toBe(2);
  });
});
