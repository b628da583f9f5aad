/**
 * The flow collector's public API: NetFlow v9 / IPFIX decoding, direction pairing into BiFlows, the
 * UDP collector, and replay of captured export streams.
 */
export type { BiFlow } from './biflow';
export type { UniFlow, ReverseCounters } from './uniflow';
export { DECODE_CAUSES, DECODE_CAUSE_LIST, type DecodeCause, type DecodeIssue } from './errors';
export type { DecodeResult } from './decode-result';
export { decodePacket } from './decode';
export {
  TemplateCache,
  DEFAULT_TEMPLATE_CACHE_OPTIONS,
  type TemplateCacheOptions,
  type TemplateCacheStats,
} from './template-cache';
export { FlowPairer, DEFAULT_PAIRING_OPTIONS, type PairingOptions, type PairingStats } from './pairing';
export { FlowPipeline, type FlowPipelineOptions, type FlowStats, type DecodeStats } from './pipeline';
export {
  createFlowCollector,
  type FlowCollector,
  type FlowCollectorOptions,
  type CollectorStats,
  type FlowSink,
  type FlowLogger,
  type CollectorSocketInfo,
  DEFAULT_RECEIVE_BUFFER_BYTES,
} from './collector';
export { receiveBufferOutcome, kernelDrops, type ReceiveBuffer } from './udp-socket-info';
export { readPcap, PcapFormatError, type CapturedDatagram, type PcapContents } from './pcap-reader';
export { createPcapWriter, type PcapWriter, type DatagramToRecord } from './pcap-writer';
export {
  replayCapture,
  replayCaptureFile,
  replayDatagrams,
  type ReplayOptions,
  type ReplayResult,
} from './replay';
export { runSoftflowd, type SoftflowdOptions, type SoftflowdSummary } from './softflowd';
