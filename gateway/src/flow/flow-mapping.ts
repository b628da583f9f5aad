/** Turns the values of one data record into a UniFlow: addresses, ports or ICMP type, counters, times. */
import type { MessageContext } from './decode-result';
import type { RecordValues } from './record-values';
import { PORT_PROTOCOLS, PROTO_ICMP, PROTO_ICMPV6, PROTO_TCP, type UniFlow } from './uniflow';

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

/**
 * Resolves the record's start and end into `v.flowStartMs` / `v.flowEndMs`; returns true when they
 * had to be estimated (an estimate anchors the flow's end at the export time).
 */
function resolveTimes(v: RecordValues, ctx: MessageContext): boolean {
  const init = Number.isNaN(v.systemInitMs) ? ctx.session.systemInitMs : v.systemInitMs;
  const start = timeOf(v.startRank, v.startMs, v.startUptimeMs, v.startDeltaUs, ctx, init);
  const end = timeOf(v.endRank, v.endMs, v.endUptimeMs, v.endDeltaUs, ctx, init);
  const startKnown = !Number.isNaN(start);
  const endKnown = !Number.isNaN(end);
  const duration = v.durationMs;
  v.flowStartMs = start;
  v.flowEndMs = end;
  if (startKnown && endKnown) return false;
  if (startKnown) v.flowEndMs = duration >= 0 ? start + duration : start;
  else if (endKnown) v.flowStartMs = duration >= 0 ? end - duration : end;
  else {
    // IPFIX uptimes without a systemInitTimeMilliseconds yet: keep the duration, end at export time.
    const span =
      v.startUptimeMs >= 0 && v.endUptimeMs >= v.startUptimeMs ? v.endUptimeMs - v.startUptimeMs : 0;
    v.flowStartMs = ctx.exportMs - Math.max(span, duration, 0);
    v.flowEndMs = ctx.exportMs;
  }
  return duration < 0 || (!startKnown && !endKnown);
}

/** ICMP type * 256 + code, from the element that carries it. */
function icmpTypeCode(v: RecordValues): number {
  if (v.icmpType >= 0 || v.icmpCode >= 0) return (Math.max(v.icmpType, 0) << 8) | Math.max(v.icmpCode, 0);
  // Cisco exporters without an ICMP element put type * 256 + code in the destination port.
  return (v.icmpTypeCode >= 0 ? v.icmpTypeCode : Math.max(v.dstPort, 0)) & 0xffff;
}

/** 4 or 6 for the address family the record's addresses are in; 0 when it has no pair of them. */
function addressFamily(v: RecordValues): 0 | 4 | 6 {
  const has4 = v.src4 !== '' && v.dst4 !== '';
  const has6 = v.src6 !== '' && v.dst6 !== '';
  if (has4 && (!has6 || v.ipVersion !== 6)) return 4;
  return has6 ? 6 : 0;
}

function withReverse(flow: UniFlow, v: RecordValues): UniFlow {
  if (v.revBytes < 0 && v.revPackets < 0) return flow;
  const tcpFlags = flow.protocol === PROTO_TCP ? Math.max(v.revTcpFlags, 0) : 0;
  return {
    ...flow,
    reverse: { bytes: Math.max(v.revBytes, 0), packets: Math.max(v.revPackets, 0), tcpFlags },
  };
}

/**
 * The flow this record describes; undefined when it has no source and destination address. Sets
 * `v.estimatedTimes` when its times had to be estimated.
 */
export function toUniFlow(v: RecordValues, ctx: MessageContext): UniFlow | undefined {
  const family = addressFamily(v);
  if (family === 0) return undefined;
  const protocol = Math.max(v.protocol, 0);
  const ports = PORT_PROTOCOLS.has(protocol);
  const icmp = protocol === PROTO_ICMP || protocol === PROTO_ICMPV6 ? icmpTypeCode(v) : 0;
  v.estimatedTimes = resolveTimes(v, ctx);
  return withReverse(
    {
      exporter: ctx.exporter,
      domain: ctx.domain,
      startMs: Math.round(v.flowStartMs),
      endMs: Math.round(v.flowEndMs),
      protocol,
      ipVersion: family,
      srcAddr: family === 4 ? v.src4 : v.src6,
      dstAddr: family === 4 ? v.dst4 : v.dst6,
      srcPort: ports ? Math.max(v.srcPort, 0) : 0,
      dstPort: ports ? Math.max(v.dstPort, 0) : 0,
      icmpType: icmp >> 8,
      icmpCode: icmp & 0xff,
      bytes: v.bytes >= 0 ? v.bytes : Math.max(v.bytesTotal, 0),
      packets: v.packets >= 0 ? v.packets : Math.max(v.packetsTotal, 0),
      tcpFlags: protocol === PROTO_TCP ? Math.max(v.tcpFlags, 0) : 0,
    },
    v,
  );
}
