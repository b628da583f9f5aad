import type { UniFlow } from '../../../../gateway/src/flow';
import { conversationHash, PendingTable } from '../../../../gateway/src/flow/pending-table';

function uni(src: string, srcPort: number, dst: string, dstPort: number): UniFlow {
  return {
    exporter: 'e:1',
    domain: 0,
    startMs: 0,
    endMs: 0,
    protocol: 17,
    ipVersion: 4,
    srcAddr: src,
    dstAddr: dst,
    srcPort,
    dstPort,
    icmpType: 0,
    icmpCode: 0,
    bytes: 1,
    packets: 1,
    tcpFlags: 0,
  };
}

const reverse = (f: UniFlow) => uni(f.dstAddr, f.dstPort, f.srcAddr, f.srcPort);

describe('PendingTable', () => {
  it('hashes both directions of a conversation alike', () => {
    const f = uni('10.0.0.1', 1234, '10.0.0.2', 80);
    expect(conversationHash(reverse(f))).toBe(conversationHash(f));
    expect(conversationHash(uni('10.0.0.1', 1235, '10.0.0.2', 80))).not.toBe(conversationHash(f));
  });

  it('keeps colliding conversations apart', () => {
    const t = new PendingTable(() => 7); // every conversation in one chain
    const [a, b, c] = [1, 2, 3].map((port) => uni('10.0.0.1', port, '10.0.0.2', 80)) as [
      UniFlow,
      UniFlow,
      UniFlow,
    ];
    t.add(a, 10);
    t.add(b, 20);
    t.add(c, 30);
    expect(t.take(reverse(b))).toBe(b);
    expect(t.take(reverse(b))).toBeUndefined();
    expect(t.take(reverse(c))).toBe(c);
    expect(t.size).toBe(1);
    expect(t.shiftExpired(15)).toBe(a);
    expect(t.size).toBe(0);
  });

  it('expires oldest first, skipping records already taken, and stays small when most pair', () => {
    const t = new PendingTable();
    let taken = 0;
    for (let i = 0; i < 10_000; i++) {
      const f = uni('10.0.0.1', i, '10.0.0.2', 80);
      t.add(f, i);
      if (i % 100 !== 0 && t.take(reverse(f)) === f) taken++;
    }
    expect(taken).toBe(9_900);
    expect(t.size).toBe(100);
    expect(t.shiftExpired(-1)).toBeUndefined();
    const expired: number[] = [];
    for (let f = t.shiftExpired(250); f !== undefined; f = t.shiftExpired(250)) expired.push(f.srcPort);
    expect(expired).toEqual([0, 100, 200]);
    expect(t.shiftOldest()?.srcPort).toBe(300);
    expect(t.size).toBe(96);
  });
});
