import type { BiFlow } from '../../flow/biflow';
import { FeatureContractError } from '../errors';
import { numberField, textField, type TextRecord } from './record';

/** Column order of a Zeek conn.log as IoT-23 ships it (the standard 21 conn fields plus two labels). */
export const IOT23_CONN_FIELDS = [
  'ts',
  'uid',
  'id.orig_h',
  'id.orig_p',
  'id.resp_h',
  'id.resp_p',
  'proto',
  'service',
  'duration',
  'orig_bytes',
  'resp_bytes',
  'conn_state',
  'local_orig',
  'local_resp',
  'missed_bytes',
  'history',
  'orig_pkts',
  'orig_ip_bytes',
  'resp_pkts',
  'resp_ip_bytes',
  'tunnel_parents',
  'label',
  'detailed-label',
] as const;

const PROTOCOLS: Readonly<Record<string, number>> = { tcp: 6, udp: 17, icmp: 1 };

/** history letter (lower case) -> TCP flag bits; upper case = originator, lower case = responder. */
const HISTORY_FLAGS: Readonly<Record<string, number>> = {
  s: 0x02,
  h: 0x12,
  a: 0x10,
  d: 0x10,
  f: 0x01,
  r: 0x04,
};

/**
 * Splits one data line of a Zeek conn.log. Fields are tab-separated; IoT-23's labelled logs separate
 * the last three fields by three spaces, which is accepted too.
 */
export function parseZeekConnLine(line: string, fields: readonly string[] = IOT23_CONN_FIELDS): TextRecord {
  const clean = line.replace(/\r?\n$/, '').replace(/\r$/, '');
  const cut = clean.indexOf('   ');
  const values =
    cut < 0 ? clean.split('\t') : [...clean.slice(0, cut).split('\t'), ...clean.slice(cut + 3).split('   ')];
  if (values.length < 20) {
    throw new FeatureContractError('FLOW_RECORD_INVALID', `Zeek conn line has ${values.length} fields`);
  }
  const out: Record<string, string> = {};
  fields.forEach((name, i) => {
    const value = values[i];
    if (value !== undefined) {
      out[name] = value;
    }
  });
  return out;
}

/** TCP flags per direction from a Zeek conn history string. */
export function zeekHistoryFlags(history: string): { fwd: number; rev: number } {
  let fwd = 0;
  let rev = 0;
  for (const ch of history === '-' ? '' : history) {
    const lower = ch.toLowerCase();
    const bits = HISTORY_FLAGS[lower] ?? 0;
    if (ch !== lower) {
      fwd |= bits;
    } else {
      rev |= bits;
    }
  }
  return { fwd, rev };
}

/** A Zeek conn record as a BiFlow (orig = forward). Unset numbers ('-') count as 0. */
export function biflowFromZeekConn(record: TextRecord, exporter = 'zeek'): BiFlow {
  const protocol = PROTOCOLS[textField(record, 'proto')] ?? 0;
  // Whole milliseconds, as a NetFlow exporter reports them (and exact: no large-epoch rounding).
  const startMs = Math.floor(numberField(record, 'ts') * 1000 + 0.5);
  const flags = protocol === 6 ? zeekHistoryFlags(textField(record, 'history')) : { fwd: 0, rev: 0 };
  return {
    exporter,
    startMs,
    endMs: startMs + Math.floor(numberField(record, 'duration', true) * 1000 + 0.5),
    protocol,
    srcAddr: textField(record, 'id.orig_h'),
    dstAddr: textField(record, 'id.resp_h'),
    srcPort: numberField(record, 'id.orig_p', true),
    dstPort: numberField(record, 'id.resp_p', true),
    fwdBytes: numberField(record, 'orig_ip_bytes', true),
    fwdPackets: numberField(record, 'orig_pkts', true),
    revBytes: numberField(record, 'resp_ip_bytes', true),
    revPackets: numberField(record, 'resp_pkts', true),
    fwdTcpFlags: flags.fwd,
    revTcpFlags: flags.rev,
  };
}
