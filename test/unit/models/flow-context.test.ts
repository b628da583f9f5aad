// The gateway's host-context tracker (gateway/src/features/flow-context.ts) on hand-checked flow streams.
import {
  CONTEXT_MAX_FLOWS_PER_SOURCE,
  CONTEXT_WINDOW_MS,
  FEATURE_NAMES,
  FlowContextTracker,
  extractFeatureStream,
  extractFeatures,
  isolatedContext,
} from '../../../gateway/src/features';
import type { BiFlow } from '../../../gateway/src/flow/biflow';

function flow(endMs: number, over: Partial<BiFlow> = {}): BiFlow {
  return {
    exporter: 'test',
    startMs: endMs - 10,
    endMs,
    protocol: 6,
    srcAddr: '10.0.0.1',
    dstAddr: '10.0.0.9',
    srcPort: 40000,
    dstPort: 6667,
    fwdBytes: 60,
    fwdPackets: 1,
    revBytes: 0,
    revPackets: 0,
    fwdTcpFlags: 0x02,
    revTcpFlags: 0,
    ...over,
  };
}

describe('FlowContextTracker', () => {
  it('counts the flows of the same source that ended within the window, this flow included', () => {
    const t = new FlowContextTracker();
    expect(t.observe(flow(1_000))).toEqual({
      flows: 1,
      dstAddrs: 1,
      dstPorts: 1,
      unanswered: 1,
      reset: 0,
      sameDst: 1,
    });
    t.observe(flow(2_000, { dstAddr: '10.0.0.8', dstPort: 53, protocol: 17, revPackets: 1, fwdTcpFlags: 0 }));
    t.observe(flow(3_000, { srcAddr: '10.0.0.2' })); // another source: not counted
    t.observe(flow(4_000, { revPackets: 1, revTcpFlags: 0x14 })); // answered with RST
    expect(t.observe(flow(5_000))).toEqual({
      flows: 4,
      dstAddrs: 2,
      dstPorts: 2,
      unanswered: 2,
      reset: 1,
      sameDst: 3,
    });
    // 1_000 is exactly one window before 61_000 (inclusive); 2_000 is still in, nothing at 0 ms is.
    expect(t.observe(flow(1_000 + CONTEXT_WINDOW_MS)).flows).toBe(5);
    expect(t.observe(flow(2_001 + CONTEXT_WINDOW_MS)).flows).toBe(4);
    expect(t.size).toBe(2);
  });

  it('leaves out flows that end after this one (out of arrival order) and keeps at most the cap', () => {
    const t = new FlowContextTracker();
    t.observe(flow(10_000));
    expect(t.observe(flow(9_000)).flows).toBe(1);
    const busy = new FlowContextTracker();
    let last = isolatedContext(flow(0));
    for (let i = 0; i < CONTEXT_MAX_FLOWS_PER_SOURCE + 50; i++) {
      last = busy.observe(flow(i));
    }
    expect(last.flows).toBe(CONTEXT_MAX_FLOWS_PER_SOURCE);
  });

  it('forgets the least recently seen source beyond maxSources', () => {
    const t = new FlowContextTracker({ maxSources: 2 });
    t.observe(flow(1, { srcAddr: 'a' }));
    t.observe(flow(2, { srcAddr: 'b' }));
    t.observe(flow(3, { srcAddr: 'a' }));
    t.observe(flow(4, { srcAddr: 'c' })); // evicts b
    expect(t.size).toBe(2);
    expect(t.observe(flow(5, { srcAddr: 'a' })).flows).toBe(3);
    expect(t.observe(flow(6, { srcAddr: 'b' })).flows).toBe(1);
    expect(() => new FlowContextTracker({ maxSources: 0 })).toThrow(RangeError);
  });

  it('equals a brute-force reading of the definition on shuffled streams (last 256 arrivals, in window)', () => {
    let seed = 12345;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const flows: BiFlow[] = [];
    let clock = 0;
    for (let i = 0; i < 3000; i++) {
      clock += Math.floor(rand() * 400);
      // mostly in end order; one flow in five arrives up to 50 s late
      const late = rand() < 0.2 ? Math.floor(rand() * 50_000) : 0;
      flows.push(
        flow(clock - late, {
          srcAddr: `10.0.0.${Math.floor(rand() * 3)}`,
          dstAddr: `10.9.0.${Math.floor(rand() * 4)}`,
          dstPort: rand() < 0.5 ? 80 : 6667,
          revPackets: rand() < 0.5 ? 0 : 1,
          revTcpFlags: rand() < 0.1 ? 0x04 : 0,
        }),
      );
    }
    const t = new FlowContextTracker();
    const seen = new Map<string, BiFlow[]>();
    for (const f of flows) {
      const mine = [...(seen.get(f.srcAddr) ?? []), f].slice(-CONTEXT_MAX_FLOWS_PER_SOURCE);
      seen.set(f.srcAddr, mine);
      const c = mine.filter((x) => x.endMs >= f.endMs - CONTEXT_WINDOW_MS && x.endMs <= f.endMs);
      expect(t.observe(f)).toEqual({
        flows: c.length,
        dstAddrs: new Set(c.map((x) => x.dstAddr)).size,
        dstPorts: new Set(c.map((x) => x.dstPort)).size,
        unanswered: c.filter((x) => x.revPackets === 0).length,
        reset: c.filter((x) => (x.revTcpFlags & 0x04) !== 0).length,
        sameDst: c.filter((x) => x.dstAddr === f.dstAddr).length,
      });
    }
  });

  it('gives a stream in end order the same features as the tracker fed in that order', () => {
    const flows = [flow(3_000), flow(1_000, { dstAddr: 'x' }), flow(2_000), flow(2_000, { revPackets: 2 })];
    const stream = extractFeatureStream(flows);
    const t = new FlowContextTracker();
    const byEnd = [1, 2, 3, 0]; // ends 1000, 2000 (position 2 before 3), 2000, 3000
    const width = FEATURE_NAMES.length;
    for (const i of byEnd) {
      const row = extractFeatures(flows[i]!, t.observe(flows[i]!));
      expect(Array.from(stream.subarray(i * width, (i + 1) * width))).toEqual(Array.from(row));
    }
    const same = FEATURE_NAMES.indexOf('ctx_same_dst_frac');
    expect(stream[0 * width + same]).toBeCloseTo(3 / 4, 6);
  });
});
