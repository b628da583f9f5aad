/** Turns the values of one data record into a UniFlow: addresses, ports or ICMP type, counters, times. */
import type { MessageContext } from './decode-result';
import type { RecordValues } from './record-values';
import {
  PORT_PROTOCOLS,
  PROTO_ICMP,
  PROTO_ICMPV6,
  PROTO_TCP,
  type ReverseCounters,
  type UniFlow,
} from './uniflow';

/**
 * A sysUpTime-relative time in Unix ms. NetFlow v9: relative to the header's sysUptime and export
 * time, modulo 2^32 (uptime wraps after 49.7 days). IPFIX: relative to systemInitTimeMilliseconds.
 */
function fromUptime(uptimeMs: number, ctx: MessageContext, systemInitMs: number): number {
  if (ctx.sysUptimeMs >= 0) {
    let behind = (ctx.sysUptimeMs - uptimeMs) >>> 0;
    if (behind >= 0x8000_0000) behind -= 0x1_0000_0000;
    return ctx.exportMs - behind;
  }
  return systemInitMs + uptimeMs;
}

function timeOf(
  rank: number,
  abs: number,
  uptime: number,
  deltaUs: number,
  ctx: MessageContext,
  init: number,
) {
  if (rank > 0) return abs;
  if (uptime >= 0) return fromUptime(uptime, ctx, init);
  if (deltaUs >= 0) return ctx.exportMs - deltaUs / 1000;
  return NaN;
}

/** [start, end, estimated]; an estimate anchors the flow's end at the export time. */
function times(v: RecordValues, ctx: MessageContext): [number, number, boolean] {
  const init = Number.isNaN(v.systemInitMs) ? ctx.session.systemInitMs : v.systemInitMs;
  const start = timeOf(v.startRank, v.startMs, v.startUptimeMs, v.startDeltaUs, ctx, init);
  const end = timeOf(v.endRank, v.endMs, v.endUptimeMs, v.endDeltaUs, ctx, init);
  const startKnown = !Number.isNaN(start);
  const endKnown = !Number.isNaN(end);
  if (startKnown && endKnown) return [start, end, false];
  const duration = v.durationMs >= 0 ? v.durationMs : -1;
  if (startKnown) return [start, duration >= 0 ? start + duration : start, duration < 0];
  if (endKnown) return [duration >= 0 ? end - duration : end, end, duration < 0];
  // IPFIX uptimes without a systemInitTimeMilliseconds yet: keep the duration, end at export time.
  const span = v.startUptimeMs >= 0 && v.endUptimeMs >= v.startUptimeMs ? v.endUptimeMs - v.startUptimeMs : 0;
  return [ctx.exportMs - Math.max(span, duration, 0), ctx.exportMs, true];
}

function icmpTypeCode(v: RecordValues): [number, number] {
  if (v.icmpType >= 0 || v.icmpCode >= 0) return [Math.max(v.icmpType, 0), Math.max(v.icmpCode, 0)];
  // Cisco exporters without an ICMP element put type * 256 + code in the destination port.
  const combined = v.icmpTypeCode >= 0 ? v.icmpTypeCode : Math.max(v.dstPort, 0);
  return [(combined >> 8) & 0xff, combined & 0xff];
}

function addresses(v: RecordValues): [4 | 6, string, string] | undefined {
  const has4 = v.src4 !== '' && v.dst4 !== '';
  const has6 = v.src6 !== '' && v.dst6 !== '';
  if (has4 && (!has6 || v.ipVersion !== 6)) return [4, v.src4, v.dst4];
  if (has6) return [6, v.src6, v.dst6];
  return undefined;
}

function reverseOf(v: RecordValues, tcp: boolean): ReverseCounters | undefined {
  if (v.revBytes < 0 && v.revPackets < 0) return undefined;
  return {
    bytes: Math.max(v.revBytes, 0),
    packets: Math.max(v.revPackets, 0),
    tcpFlags: tcp ? Math.max(v.revTcpFlags, 0) : 0,
  };
}

/** The flow this record describes; undefined when it has no source and destination address. */
export function toUniFlow(
  v: RecordValues,
  ctx: MessageContext,
): { flow: UniFlow; estimated: boolean } | undefined {
  const addr = addresses(v);
  if (addr === undefined) return undefined;
  const protocol = Math.max(v.protocol, 0);
  const ports = PORT_PROTOCOLS.has(protocol);
  const [icmpType, icmpCode] =
    protocol === PROTO_ICMP || protocol === PROTO_ICMPV6 ? icmpTypeCode(v) : [0, 0];
  const [startMs, endMs, estimated] = times(v, ctx);
  const tcp = protocol === PROTO_TCP;
  const flow: UniFlow = {
    exporter: ctx.exporter,
    domain: ctx.domain,
    startMs: Math.round(startMs),
    endMs: Math.round(endMs),
    protocol,
    ipVersion: addr[0],
    srcAddr: addr[1],
    dstAddr: addr[2],
    srcPort: ports ? Math.max(v.srcPort, 0) : 0,
    dstPort: ports ? Math.max(v.dstPort, 0) : 0,
    icmpType,
    icmpCode,
    bytes: v.bytes >= 0 ? v.bytes : Math.max(v.bytesTotal, 0),
    packets: v.packets >= 0 ? v.packets : Math.max(v.packetsTotal, 0),
    tcpFlags: tcp ? Math.max(v.tcpFlags, 0) : 0,
  };
  const reverse = reverseOf(v, tcp);
  return { flow: reverse === undefined ? flow : { ...flow, reverse }, estimated };
}
