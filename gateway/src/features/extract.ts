import type { BiFlow } from '../flow/biflow';
import { type FlowContext, FlowContextTracker, isolatedContext } from './flow-context';

/**
 * The gateway's implementation of models/feature-spec.json (cityledger-flow-core v2). The feature order
 * and every transform must match the spec; FEATURE_SPEC_SHA256 (spec.ts) names the spec implemented
 * here, and the parity tests compare this code with the Python interpreter of the spec.
 *
 * The first 22 features describe the flow alone; the last 6 (ctx_*) its host context, which the caller
 * supplies from a FlowContextTracker that has seen the flows before it (see flow-context.ts). Without a
 * context the flow is taken alone (spec `context.isolated`), which is right only for a source whose
 * other recent flows are unknown.
 */
export const FEATURE_NAMES = [
  'duration_log',
  'proto_tcp',
  'proto_udp',
  'proto_icmp',
  'proto_other',
  'dport_none',
  'dport_well_known',
  'dport_registered',
  'dport_dynamic',
  'fwd_bytes_log',
  'rev_bytes_log',
  'fwd_pkts_log',
  'rev_pkts_log',
  'fwd_bytes_per_pkt_log',
  'rev_bytes_per_pkt_log',
  'syn_fwd',
  'syn_rev',
  'ack_fwd',
  'ack_rev',
  'fin_any',
  'rst_fwd',
  'rst_rev',
  'ctx_flows_log',
  'ctx_dst_addrs_log',
  'ctx_dst_ports_log',
  'ctx_unanswered_frac',
  'ctx_reset_frac',
  'ctx_same_dst_frac',
] as const;

export type FeatureName = (typeof FEATURE_NAMES)[number];
export const FEATURE_COUNT = FEATURE_NAMES.length;

const MAX_DURATION_MS = 3_600_000;
const TCP = 6;
const UDP = 17;
const ICMP = 1;
const ICMPV6 = 58;
const SCTP = 132;
const FIN = 0x01;
const SYN = 0x02;
const RST = 0x04;
const ACK = 0x10;

/** NaN and infinities count as 0, as in the Python implementation. */
function finite(x: number): number {
  return Number.isFinite(x) ? x : 0;
}

function bit(condition: boolean): number {
  return condition ? 1 : 0;
}

function log1pClipped(x: number, max = Number.POSITIVE_INFINITY): number {
  return Math.log1p(Math.min(Math.max(finite(x), 0), max));
}

function log1pRatio(numerator: number, denominator: number): number {
  const den = finite(denominator);
  return den > 0 ? Math.log1p(Math.max(finite(numerator), 0) / den) : 0;
}

function protocolFeatures(proto: number): number[] {
  const known = proto === TCP || proto === UDP || proto === ICMP || proto === ICMPV6;
  return [bit(proto === TCP), bit(proto === UDP), bit(proto === ICMP || proto === ICMPV6), bit(!known)];
}

function portFeatures(proto: number, port: number): number[] {
  const hasPorts = proto === TCP || proto === UDP || proto === SCTP;
  const inRange = (min: number, max: number): number => bit(hasPorts && port >= min && port <= max);
  return [
    bit(!hasPorts || port < 1 || port > 65535),
    inRange(1, 1023),
    inRange(1024, 49151),
    inRange(49152, 65535),
  ];
}

function flagFeatures(proto: number, fwdRaw: number, revRaw: number): number[] {
  const fwd = proto === TCP ? finite(fwdRaw) | 0 : 0;
  const rev = proto === TCP ? finite(revRaw) | 0 : 0;
  const has = (flags: number, mask: number): number => bit((flags & mask) !== 0);
  return [
    has(fwd, SYN),
    has(rev, SYN),
    has(fwd, ACK),
    has(rev, ACK),
    has(fwd | rev, FIN),
    has(fwd, RST),
    has(rev, RST),
  ];
}

function contextFeatures(c: FlowContext): number[] {
  return [
    Math.log1p(c.flows),
    Math.log1p(c.dstAddrs),
    Math.log1p(c.dstPorts),
    c.unanswered / c.flows,
    c.reset / c.flows,
    c.sameDst / c.flows,
  ];
}

/**
 * Writes the feature vector of one flow into `target` at `offset` (row-major batch buffers), with its
 * host context (default: the flow alone). Returns `target`.
 */
export function writeFeatures(
  flow: BiFlow,
  target: Float32Array,
  offset = 0,
  context: FlowContext = isolatedContext(flow),
): Float32Array {
  if (offset < 0 || offset + FEATURE_COUNT > target.length) {
    throw new RangeError(`writeFeatures: offset ${offset} does not leave ${FEATURE_COUNT} slots`);
  }
  const proto = finite(flow.protocol);
  const values = [
    log1pClipped(Math.floor(finite(flow.endMs) - finite(flow.startMs) + 0.5), MAX_DURATION_MS),
    ...protocolFeatures(proto),
    ...portFeatures(proto, finite(flow.dstPort)),
    log1pClipped(flow.fwdBytes),
    log1pClipped(flow.revBytes),
    log1pClipped(flow.fwdPackets),
    log1pClipped(flow.revPackets),
    log1pRatio(flow.fwdBytes, flow.fwdPackets),
    log1pRatio(flow.revBytes, flow.revPackets),
    ...flagFeatures(proto, flow.fwdTcpFlags, flow.revTcpFlags),
    ...contextFeatures(context),
  ];
  target.set(values, offset);
  return target;
}

/**
 * The feature vector of one flow, in spec order. Pass the context from `FlowContextTracker.observe(flow)`;
 * without it the flow is scored alone.
 */
export function extractFeatures(flow: BiFlow, context?: FlowContext): Float32Array {
  return writeFeatures(flow, new Float32Array(FEATURE_COUNT), 0, context);
}

/**
 * Row-major [flows.length, FEATURE_COUNT] batch, ready for an onnxruntime float32 tensor; every flow is
 * taken alone (isolated context), as for NF-v2 and CICFlowMeter records.
 */
export function extractFeatureBatch(flows: readonly BiFlow[]): Float32Array {
  const out = new Float32Array(flows.length * FEATURE_COUNT);
  flows.forEach((flow, i) => writeFeatures(flow, out, i * FEATURE_COUNT));
  return out;
}

/**
 * Features of `flows` as one flow stream, exactly as the spec defines it (and as training computes it):
 * host context in order of (endMs, position in `flows`). Rows come back in the order of `flows`. Used for
 * logs and datasets; a running gateway feeds its own FlowContextTracker in arrival order instead.
 */
export function extractFeatureStream(flows: readonly BiFlow[]): Float32Array {
  const order = flows.map((flow, i) => ({ flow, i, end: finite(flow.endMs) }));
  order.sort((a, b) => a.end - b.end || a.i - b.i);
  const tracker = new FlowContextTracker({ maxSources: Math.max(1, flows.length) });
  const out = new Float32Array(flows.length * FEATURE_COUNT);
  for (const { flow, i } of order) {
    writeFeatures(flow, out, i * FEATURE_COUNT, tracker.observe(flow));
  }
  return out;
}
