import type { BiFlow } from '../../flow/biflow';
import { numberField, textField, type TextRecord } from './record';

const IP_HEADER_BYTES = 20;
const FIN = 0x01;
const SYN = 0x02;
const RST = 0x04;
const PSH = 0x08;
const ACK = 0x10;
const URG = 0x20;

function flag(condition: boolean, bits: number): number {
  return condition ? bits : 0;
}

/** CICFlowMeter's naive "YYYY-MM-DD HH:MM:SS[.ffffff]" read as UTC, in ms; 0 when unparsable. */
function timestampMs(text: string): number {
  const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d+)?$/.exec(text.trim());
  if (!match) {
    return 0;
  }
  const whole = Date.parse(`${match[1]}T${match[2]}Z`);
  const fraction = match[3] ? Number(match[3]) * 1000 : 0;
  return Number.isNaN(whole) ? 0 : whole + fraction;
}

/**
 * A CICFlowMeter CSV row as a BiFlow (Fwd = forward). Bytes add the L4 header and a 20-byte IPv4
 * header per packet to CIC's payload counts; SYN/ACK/FIN direction is derived from the two-way counts
 * exactly as models/feature-spec.json (biflow[].sources.cicflowmeter) describes.
 */
export function biflowFromCic(record: TextRecord, exporter = 'cicflowmeter'): BiFlow {
  const protocol = numberField(record, 'Protocol');
  const fwdPackets = numberField(record, 'Total Fwd Packet');
  const revPackets = numberField(record, 'Total Bwd packets');
  const syn = numberField(record, 'SYN Flag Count');
  const ack = numberField(record, 'ACK Flag Count');
  const fin = numberField(record, 'FIN Flag Count');
  const hasRev = revPackets > 0;
  const fwdFlags =
    flag(syn >= 1, SYN) |
    flag(ack > revPackets, ACK) |
    flag(fin >= 1, FIN) |
    flag(numberField(record, 'Fwd RST Flags') > 0, RST) |
    flag(numberField(record, 'Fwd PSH Flags') > 0, PSH) |
    flag(numberField(record, 'Fwd URG Flags') > 0, URG);
  const revFlags =
    flag(syn >= 2 && hasRev, SYN) |
    flag(ack >= 1 && hasRev, ACK) |
    flag(fin >= 2 && hasRev, FIN) |
    flag(numberField(record, 'Bwd RST Flags') > 0, RST) |
    flag(numberField(record, 'Bwd PSH Flags') > 0, PSH) |
    flag(numberField(record, 'Bwd URG Flags') > 0, URG);
  // Whole milliseconds, as a NetFlow exporter reports them (and exact: no large-epoch rounding).
  const startMs = Math.floor(timestampMs(textField(record, 'Timestamp')) + 0.5);
  const tcp = protocol === 6;
  return {
    exporter,
    startMs,
    endMs: startMs + Math.floor(Math.max(numberField(record, 'Flow Duration'), 0) / 1000 + 0.5),
    protocol,
    srcAddr: textField(record, 'Src IP'),
    dstAddr: textField(record, 'Dst IP'),
    srcPort: numberField(record, 'Src Port'),
    dstPort: numberField(record, 'Dst Port'),
    fwdBytes:
      numberField(record, 'Total Length of Fwd Packet') +
      Math.max(numberField(record, 'Fwd Header Length'), 0) +
      IP_HEADER_BYTES * fwdPackets,
    fwdPackets,
    revBytes:
      numberField(record, 'Total Length of Bwd Packet') +
      Math.max(numberField(record, 'Bwd Header Length'), 0) +
      IP_HEADER_BYTES * revPackets,
    revPackets,
    fwdTcpFlags: tcp ? fwdFlags : 0,
    revTcpFlags: tcp ? revFlags : 0,
  };
}
