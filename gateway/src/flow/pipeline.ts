/**
 * Decode, then pair: the one path every datagram takes, whether it comes from the UDP collector or a
 * capture file. Keeps the counters, and reports the first issue of each cause from each exporter.
 */
import type { BiFlow } from './biflow';
import { decodePacket } from './decode';
import type { DecodeResult } from './decode-result';
import { DECODE_CAUSE_LIST, type DecodeCause, type DecodeIssue } from './errors';
import { FlowPairer, type PairingOptions, type PairingStats } from './pairing';
import { TemplateCache, type TemplateCacheOptions, type TemplateCacheStats } from './template-cache';

export interface FlowPipelineOptions {
  readonly templates?: Partial<TemplateCacheOptions>;
  readonly pairing?: Partial<PairingOptions>;
  /** Exporters counted separately in `errorsByExporter`; beyond this, under "*". Default 1024. */
  readonly maxTrackedExporters?: number;
  /** Called the first time each exporter shows each cause: the place to log it, once. */
  readonly onFirstIssue?: (exporter: string, issue: DecodeIssue) => void;
}

export interface DecodeStats {
  /** Datagrams decoded. */
  readonly packets: number;
  /** Flow records decoded. */
  readonly records: number;
  readonly templateRecords: number;
  readonly optionRecords: number;
  readonly nonFlowRecords: number;
  readonly approximateTimes: number;
  /** Messages whose sequence number shows that earlier messages were lost. */
  readonly sequenceErrors: number;
  /** Issues by cause (a datagram may have several). */
  readonly errors: Readonly<Record<DecodeCause, number>>;
  readonly errorsByExporter: Readonly<Record<string, Partial<Record<DecodeCause, number>>>>;
  readonly templates: TemplateCacheStats;
}

export interface FlowStats extends DecodeStats {
  /** BiFlows emitted. */
  readonly flows: number;
  readonly pairing: PairingStats;
}

const OTHER_EXPORTERS = '*';
/** How often tick() drops expired templates and idle sessions. */
const PURGE_INTERVAL_MS = 60_000;

function zeroCauses(): Record<DecodeCause, number> {
  return Object.fromEntries(DECODE_CAUSE_LIST.map((c) => [c, 0])) as Record<DecodeCause, number>;
}

export class FlowPipeline {
  readonly #cache: TemplateCache;
  readonly #pairer: FlowPairer;
  readonly #maxExporters: number;
  readonly #onFirstIssue: ((exporter: string, issue: DecodeIssue) => void) | undefined;
  readonly #errors = zeroCauses();
  readonly #byExporter = new Map<string, Partial<Record<DecodeCause, number>>>();
  #packets = 0;
  #records = 0;
  #templateRecords = 0;
  #optionRecords = 0;
  #nonFlowRecords = 0;
  #approximateTimes = 0;
  #sequenceErrors = 0;
  #flows = 0;
  #lastPurgeMs = Number.NEGATIVE_INFINITY;

  constructor(options: FlowPipelineOptions = {}) {
    this.#cache = new TemplateCache(options.templates);
    this.#pairer = new FlowPairer(options.pairing);
    this.#maxExporters = options.maxTrackedExporters ?? 1024;
    this.#onFirstIssue = options.onFirstIssue;
  }

  /** Decodes one datagram; appends the BiFlows it completes to `out`. */
  push(packet: Buffer, exporter: string, nowMs: number, out: BiFlow[]): DecodeResult {
    const result = decodePacket(packet, exporter, this.#cache, nowMs);
    this.#packets++;
    this.#records += result.records.length;
    this.#templateRecords += result.templateRecords;
    this.#optionRecords += result.optionRecords;
    this.#nonFlowRecords += result.nonFlowRecords;
    this.#approximateTimes += result.approximateTimes;
    if (result.sequenceError) this.#sequenceErrors++;
    for (const issue of result.issues) this.#count(exporter, issue);
    const before = out.length;
    for (const record of result.records) this.#pairer.add(record, nowMs, out);
    this.#flows += out.length - before;
    return result;
  }

  /** Emits records that waited too long for their reverse; now and then purges expired templates. */
  tick(nowMs: number, out: BiFlow[]): void {
    const before = out.length;
    this.#pairer.expire(nowMs, out);
    this.#flows += out.length - before;
    if (nowMs - this.#lastPurgeMs >= PURGE_INTERVAL_MS) {
      this.#cache.purge(nowMs);
      this.#lastPurgeMs = nowMs;
    }
  }

  /** Emits everything still waiting for its reverse. */
  flush(out: BiFlow[]): void {
    const before = out.length;
    this.#pairer.flush(out);
    this.#flows += out.length - before;
  }

  stats(): FlowStats {
    return {
      packets: this.#packets,
      records: this.#records,
      templateRecords: this.#templateRecords,
      optionRecords: this.#optionRecords,
      nonFlowRecords: this.#nonFlowRecords,
      approximateTimes: this.#approximateTimes,
      sequenceErrors: this.#sequenceErrors,
      errors: { ...this.#errors },
      errorsByExporter: Object.fromEntries([...this.#byExporter].map(([e, c]) => [e, { ...c }])),
      templates: this.#cache.stats(),
      flows: this.#flows,
      pairing: this.#pairer.stats(),
    };
  }

  #count(exporter: string, issue: DecodeIssue): void {
    this.#errors[issue.cause]++;
    let key = exporter;
    if (!this.#byExporter.has(key) && this.#byExporter.size >= this.#maxExporters) key = OTHER_EXPORTERS;
    let counts = this.#byExporter.get(key);
    if (counts === undefined) {
      counts = {};
      this.#byExporter.set(key, counts);
    }
    const n = (counts[issue.cause] ?? 0) + 1;
    counts[issue.cause] = n;
    if (n === 1) this.#onFirstIssue?.(key, issue);
  }
}
