import { FlowPairer, type BiFlow, type UniFlow } from '../../../../gateway/src/flow';

const T = 1_700_000_000_000;

function uni(over: Partial<UniFlow> = {}): UniFlow {
  return {
    exporter: '127.0.0.1:5000',
    domain: 0,
    startMs: T,
    endMs: T + 1000,
    protocol: 6,
    ipVersion: 4,
    srcAddr: '192.168.1.5',
    dstAddr: '93.184.216.34',
    srcPort: 50000,
    dstPort: 443,
    icmpType: 0,
    icmpCode: 0,
    bytes: 500,
    packets: 5,
    tcpFlags: 0x1b,
    ...over,
  };
}

/** The reverse direction of `f`, with other counters. */
function back(f: UniFlow, over: Partial<UniFlow> = {}): UniFlow {
  return uni({
    ...f,
    srcAddr: f.dstAddr,
    dstAddr: f.srcAddr,
    srcPort: f.dstPort,
    dstPort: f.srcPort,
    bytes: 9000,
    packets: 9,
    ...over,
  });
}

function run(records: UniFlow[], pairer = new FlowPairer()): BiFlow[] {
  const out: BiFlow[] = [];
  for (const r of records) pairer.add(r, T, out);
  pairer.flush(out);
  return out;
}

describe('FlowPairer', () => {
  it('pairs the two directions, forward = initiator, whichever record arrives first', () => {
    const fwd = uni();
    const expected: BiFlow = {
      exporter: fwd.exporter,
      startMs: T,
      endMs: T + 1000,
      protocol: 6,
      srcAddr: '192.168.1.5',
      dstAddr: '93.184.216.34',
      srcPort: 50000,
      dstPort: 443,
      fwdBytes: 500,
      fwdPackets: 5,
      revBytes: 9000,
      revPackets: 9,
      fwdTcpFlags: 0x1b,
      revTcpFlags: 0x1b,
    };
    expect(run([fwd, back(fwd)])).toEqual([expected]);
    // softflowd sends the sorted-address side first, often the responder: same result.
    expect(run([back(fwd), fwd])).toEqual([expected]);
  });

  it('takes the earlier start as the initiator when the exporter times directions separately', () => {
    // The port rule alone would pick the other side: the start times decide first.
    const early = uni({ srcPort: 443, dstPort: 50000 });
    const late = back(early, { startMs: T + 5 });
    const [b] = run([late, early]);
    expect(b).toMatchObject({
      srcAddr: early.srcAddr,
      srcPort: 443,
      dstPort: 50000,
      startMs: T,
      fwdBytes: 500,
    });
  });

  it('takes the side with SYN but no ACK as the initiator (port scan answered with RST)', () => {
    const scan = uni({ srcPort: 80, dstPort: 40000, tcpFlags: 0x02, bytes: 44, packets: 1 });
    const rst = back(scan, { tcpFlags: 0x14 });
    expect(run([rst, scan])[0]).toMatchObject({
      srcAddr: scan.srcAddr,
      srcPort: 80,
      fwdTcpFlags: 0x02,
      revTcpFlags: 0x14,
    });
  });

  it('takes the ICMP echo request as the initiator, and pairs it with the reply', () => {
    const request = uni({ protocol: 1, srcPort: 0, dstPort: 0, icmpType: 8, tcpFlags: 0 });
    const reply = back(request, { icmpType: 0 });
    const out = run([reply, request]);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({
      srcAddr: request.srcAddr,
      fwdBytes: 500,
      revBytes: 9000,
      srcPort: 0,
      dstPort: 0,
    });
  });

  it('keeps ICMP messages of other types apart (no pairing of unrelated types)', () => {
    const unreachable = uni({ protocol: 1, srcPort: 0, dstPort: 0, icmpType: 3, icmpCode: 3, tcpFlags: 0 });
    const echo = back(unreachable, { icmpType: 8, icmpCode: 0 });
    expect(run([unreachable, echo])).toHaveLength(2);
  });

  it('pairs ICMPv6 echo request and reply', () => {
    const request = uni({
      protocol: 58,
      ipVersion: 6,
      srcAddr: '2001:db8::1',
      dstAddr: '2001:db8::2',
      srcPort: 0,
      dstPort: 0,
      icmpType: 128,
    });
    const out = run([back(request, { icmpType: 129 }), request]);
    expect(out).toHaveLength(1);
    expect(out[0]?.srcAddr).toBe('2001:db8::1');
  });

  it('emits an unpaired record one-sided after the timeout, not before', () => {
    const pairer = new FlowPairer({ timeoutMs: 2000 });
    const out: BiFlow[] = [];
    pairer.add(uni(), T, out);
    pairer.expire(T + 1999, out);
    expect(out).toEqual([]);
    pairer.expire(T + 2000, out);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ fwdBytes: 500, revBytes: 0, revPackets: 0, revTcpFlags: 0 });
    expect(pairer.stats()).toMatchObject({ oneSided: 1, paired: 0, pending: 0 });
  });

  it('does not pair records whose times do not overlap (same ports reused later)', () => {
    const early = uni({ endMs: T + 10 });
    const later = back(early, { startMs: T + 60_000, endMs: T + 61_000 });
    const out = run([early, later], new FlowPairer({ maxSkewMs: 1000 }));
    expect(out).toHaveLength(2);
    expect(out.every((b) => b.revPackets === 0)).toBe(true);
  });

  it('does not pair records from different exporters or domains', () => {
    const f = uni();
    expect(run([f, back(f, { exporter: '127.0.0.1:5001' })])).toHaveLength(2);
    expect(run([f, back(f, { domain: 1 })])).toHaveLength(2);
  });

  it('emits the older record when a second record of the same direction arrives', () => {
    const pairer = new FlowPairer();
    const out: BiFlow[] = [];
    pairer.add(uni({ bytes: 1 }), T, out);
    pairer.add(uni({ bytes: 2 }), T, out);
    expect(out.map((b) => b.fwdBytes)).toEqual([1]);
    pairer.add(back(uni()), T, out);
    expect(out.map((b) => [b.fwdBytes, b.revBytes])).toEqual([
      [1, 0],
      [2, 9000],
    ]);
  });

  it('bounds the waiting records: the oldest goes out one-sided when full', () => {
    const pairer = new FlowPairer({ maxPending: 2 });
    const out: BiFlow[] = [];
    for (const port of [1, 2, 3]) pairer.add(uni({ srcPort: port }), T, out);
    expect(out.map((b) => b.srcPort)).toEqual([1]);
    expect(pairer.stats()).toMatchObject({ evicted: 1, oneSided: 1, pending: 2 });
  });

  it('passes RFC 5103 biflow records through, turned round when the reverse side initiated', () => {
    // softflowd -b: the record's forward side is the lower address, here the server.
    const record = uni({
      srcAddr: '10.0.0.1',
      dstAddr: '10.0.0.2',
      srcPort: 22,
      dstPort: 41000,
      bytes: 3000,
      packets: 10,
      tcpFlags: 0x12,
      reverse: { bytes: 2000, packets: 12, tcpFlags: 0x02 | 0x10 | 0x08 },
    });
    const [b] = run([record]);
    expect(b).toMatchObject({
      srcAddr: '10.0.0.2',
      srcPort: 41000,
      dstPort: 22,
      fwdBytes: 2000,
      fwdPackets: 12,
      revBytes: 3000,
      revPackets: 10,
    });
    const onlyReverse = uni({
      reverse: { bytes: 40, packets: 1, tcpFlags: 0 },
      bytes: 0,
      packets: 0,
      protocol: 17,
    });
    expect(run([onlyReverse])[0]).toMatchObject({ srcAddr: onlyReverse.dstAddr, fwdBytes: 40, revBytes: 0 });
    // A DHCP server's answers with no request seen: the port rule would turn it, but only it sent.
    const onlyForward = uni({
      srcPort: 67,
      dstPort: 68,
      protocol: 17,
      reverse: { bytes: 0, packets: 0, tcpFlags: 0 },
    });
    expect(run([onlyForward])[0]).toMatchObject({
      srcAddr: onlyForward.srcAddr,
      srcPort: 67,
      fwdBytes: 500,
      revPackets: 0,
    });
  });

  it('counts what it did', () => {
    const pairer = new FlowPairer();
    const f = uni();
    run([f, back(f), uni({ srcPort: 9 })], pairer);
    expect(pairer.stats()).toEqual({ paired: 1, oneSided: 1, evicted: 0, biflowRecords: 0, pending: 0 });
  });
});
