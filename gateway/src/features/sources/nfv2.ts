import type { BiFlow } from '../../flow/biflow';
import { numberField, textField, type TextRecord } from './record';

/** NF-v2 stores most FLOW_DURATION_MILLISECONDS values as 2^32/1000 - duration; unwrap those. */
const DURATION_WRAP = 4294967;
const DURATION_WRAP_LIMIT = 2147483;

export function nfV2DurationMs(raw: number): number {
  return raw > DURATION_WRAP_LIMIT ? DURATION_WRAP - raw : raw;
}

/** An NF-v2 NetFlow CSV row (nProbe fields) as a BiFlow: IN = client->server = forward. No timestamps: starts at 0. */
export function biflowFromNfV2(record: TextRecord, exporter = 'nf-v2'): BiFlow {
  const protocol = numberField(record, 'PROTOCOL');
  const tcp = protocol === 6;
  return {
    exporter,
    startMs: 0,
    endMs: nfV2DurationMs(numberField(record, 'FLOW_DURATION_MILLISECONDS')),
    protocol,
    srcAddr: textField(record, 'IPV4_SRC_ADDR'),
    dstAddr: textField(record, 'IPV4_DST_ADDR'),
    srcPort: numberField(record, 'L4_SRC_PORT'),
    dstPort: numberField(record, 'L4_DST_PORT'),
    fwdBytes: numberField(record, 'IN_BYTES'),
    fwdPackets: numberField(record, 'IN_PKTS'),
    revBytes: numberField(record, 'OUT_BYTES'),
    revPackets: numberField(record, 'OUT_PKTS'),
    fwdTcpFlags: tcp ? numberField(record, 'CLIENT_TCP_FLAGS') : 0,
    revTcpFlags: tcp ? numberField(record, 'SERVER_TCP_FLAGS') : 0,
  };
}
