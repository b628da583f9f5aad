/** What decoding one datagram gives: the flow records read and anything that was dropped. */
import type { DecodeCause, DecodeIssue } from './errors';
import type { Session } from './template-cache';
import type { UniFlow } from './uniflow';

export interface DecodeResult {
  /** The header's version (9 or 10 when decoded); 0 when the datagram is too short to tell. */
  readonly version: number;
  /** Source id / observation domain; -1 when the header could not be read. */
  readonly domain: number;
  readonly records: UniFlow[];
  /** Empty when everything in the datagram was understood. */
  readonly issues: DecodeIssue[];
  /** Template and options-template records read (new, refreshed or withdrawn). */
  readonly templateRecords: number;
  /** Options data records read (e.g. IPFIX systemInitTimeMilliseconds). */
  readonly optionRecords: number;
  /** Data records that are not flows (no source and destination address); skipped. */
  readonly nonFlowRecords: number;
  /** Flow records whose times had to be estimated (no usable time fields or time base). */
  readonly approximateTimes: number;
  /** The sequence number was not the one expected: the exporter or the network lost messages. */
  readonly sequenceError: boolean;
}

/** Per-message state shared by the set decoders. */
export interface MessageContext {
  readonly exporter: string;
  readonly domain: number;
  /** Export time from the header, Unix milliseconds. */
  readonly exportMs: number;
  /** NetFlow v9 header sysUptime (ms); -1 for IPFIX, whose base is systemInitTimeMilliseconds. */
  readonly sysUptimeMs: number;
  readonly session: Session;
  readonly nowMs: number;
}

/** The mutable accumulator behind a DecodeResult. */
export class DecodeOutput implements DecodeResult {
  version = 0;
  domain = -1;
  readonly records: UniFlow[] = [];
  readonly issues: DecodeIssue[] = [];
  templateRecords = 0;
  optionRecords = 0;
  nonFlowRecords = 0;
  approximateTimes = 0;
  sequenceError = false;
  /** Data sets that could not be read completely (unknown template, bad record). */
  incompleteSets = 0;

  issue(cause: DecodeCause, detail: string): void {
    this.issues.push({ cause, detail });
  }
}

/** True when bytes [off, end) are all zero: padding rather than a damaged record. */
export function isPadding(buf: Buffer, off: number, end: number): boolean {
  for (let i = off; i < end; i++) if (buf[i] !== 0) return false;
  return true;
}
