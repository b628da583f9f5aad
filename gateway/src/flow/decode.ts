/**
 * The decoder's entry point: a pure function of one datagram and the template cache (which it
 * updates). It never throws on bad input; see DecodeResult.issues.
 */
import { DecodeOutput, type DecodeResult } from './decode-result';
import { decodeIpfix } from './ipfix';
import { decodeNetflowV9 } from './netflow-v9';
import type { TemplateCache } from './template-cache';

/**
 * Decodes one NetFlow v9 or IPFIX datagram from `exporter` (its transport address, which with the
 * source id / observation domain scopes templates). `nowMs` is the receive time, for template expiry.
 */
export function decodePacket(
  packet: Buffer,
  exporter: string,
  cache: TemplateCache,
  nowMs: number,
): DecodeResult {
  const out = new DecodeOutput();
  if (packet.length < 2) {
    out.issue('SHORT_PACKET', `${packet.length} bytes`);
    return out;
  }
  const version = packet.readUInt16BE(0);
  if (version === 9) decodeNetflowV9(packet, exporter, cache, nowMs, out);
  else if (version === 10) decodeIpfix(packet, exporter, cache, nowMs, out);
  else {
    out.version = version;
    out.issue('UNSUPPORTED_VERSION', `version ${version}`);
  }
  return out;
}
