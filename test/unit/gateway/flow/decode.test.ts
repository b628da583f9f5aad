import { DECODE_CAUSE_LIST, decodePacket, TemplateCache } from '../../../../gateway/src/flow';
import {
  F,
  V4_FIELDS,
  dataRecord,
  ipfixMessage,
  ipfixOptionsTemplateRecord,
  ipfixTemplateRecord,
  set,
  v4Record,
  v9Packet,
  v9TemplateRecord,
} from './support/encoder';

const NOW = 1_700_000_000_000;
const flow = {
  src: '10.1.1.1',
  dst: '10.2.2.2',
  start: 1,
  end: 2,
  bytes: 3,
  packets: 4,
  srcPort: 5,
  dstPort: 6,
  protocol: 17,
  flags: 0,
};

describe('decodePacket', () => {
  it('reports versions other than 9 and 10 (NetFlow v5, garbage)', () => {
    const v5 = Buffer.alloc(24);
    v5.writeUInt16BE(5);
    expect(decodePacket(v5, 'x:1', new TemplateCache(), NOW)).toMatchObject({
      version: 5,
      records: [],
      issues: [{ cause: 'UNSUPPORTED_VERSION', detail: 'version 5' }],
    });
  });

  it.each([0, 1])('reports a %i-byte datagram as too short', (n) => {
    const r = decodePacket(Buffer.alloc(n, 9), 'x:1', new TemplateCache(), NOW);
    expect(r.issues.map((i) => i.cause)).toEqual(['SHORT_PACKET']);
    expect(r.version).toBe(0);
  });

  it('never throws on any prefix of a valid packet, and reads only complete sets', () => {
    const v9 = v9Packet({}, [
      set(0, v9TemplateRecord(256, V4_FIELDS)),
      set(256, [v4Record(flow), v4Record(flow)]),
    ]);
    const ipfix = ipfixMessage({}, [
      set(2, ipfixTemplateRecord(256, V4_FIELDS)),
      set(3, ipfixOptionsTemplateRecord(257, [F.meteringProcessId], [F.systemInitMs])),
      set(257, dataRecord([F.meteringProcessId, F.systemInitMs], [1, NOW])),
      set(256, [v4Record(flow), v4Record(flow)]),
    ]);
    for (const packet of [v9, ipfix]) {
      for (let n = 0; n <= packet.length; n++) {
        const r = decodePacket(packet.subarray(0, n), 'x:1', new TemplateCache(), NOW);
        if (n === packet.length) {
          expect(r.issues).toEqual([]);
          expect(r.records).toHaveLength(2);
        } else if (r.issues.length === 0) {
          expect(r.records).toEqual([]); // a prefix ending exactly between sets
        } else {
          expect(r.records.length).toBeLessThan(2);
        }
        for (const issue of r.issues) expect(DECODE_CAUSE_LIST).toContain(issue.cause);
      }
    }
  });

  it('has a description for every cause code', () => {
    expect(DECODE_CAUSE_LIST).toEqual([
      'SHORT_PACKET',
      'UNSUPPORTED_VERSION',
      'BAD_MESSAGE_LENGTH',
      'BAD_SET_LENGTH',
      'RESERVED_SET_ID',
      'BAD_TEMPLATE',
      'TEMPLATE_LIMIT',
      'UNKNOWN_TEMPLATE',
      'BAD_RECORD',
    ]);
  });
});
