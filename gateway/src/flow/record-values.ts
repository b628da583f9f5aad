/**
 * The values of one data record that matter for a flow, filled field by field by the readers of
 * `information-elements.ts` and then turned into a UniFlow. One instance is reused for every record.
 * Absent numbers are -1 (NaN for absolute times), absent addresses ''.
 */
export class RecordValues {
  src4 = '';
  dst4 = '';
  src6 = '';
  dst6 = '';
  ipVersion = 0;
  protocol = -1;
  srcPort = -1;
  dstPort = -1;
  icmpTypeCode = -1;
  icmpType = -1;
  icmpCode = -1;
  bytes = -1;
  packets = -1;
  bytesTotal = -1;
  packetsTotal = -1;
  tcpFlags = -1;
  revBytes = -1;
  revPackets = -1;
  revTcpFlags = -1;
  /** Absolute times and the precision rank of the element that gave them (higher wins). */
  startMs = NaN;
  endMs = NaN;
  startRank = 0;
  endRank = 0;
  /** sysUpTime-relative times (NetFlow v9 header uptime; IPFIX systemInitTimeMilliseconds). */
  startUptimeMs = -1;
  endUptimeMs = -1;
  /** Microseconds before the export time (IPFIX flowStart/EndDeltaMicroseconds). */
  startDeltaUs = -1;
  endDeltaUs = -1;
  durationMs = -1;
  systemInitMs = NaN;
  /** Outputs of the mapping to a UniFlow: resolved times, and whether they are estimates. */
  flowStartMs = NaN;
  flowEndMs = NaN;
  estimatedTimes = false;

  reset(): void {
    this.src4 = this.dst4 = this.src6 = this.dst6 = '';
    this.ipVersion = 0;
    this.protocol = this.srcPort = this.dstPort = -1;
    this.icmpTypeCode = this.icmpType = this.icmpCode = -1;
    this.bytes = this.packets = this.bytesTotal = this.packetsTotal = this.tcpFlags = -1;
    this.revBytes = this.revPackets = this.revTcpFlags = -1;
    this.startMs = this.endMs = NaN;
    this.startRank = this.endRank = 0;
    this.startUptimeMs = this.endUptimeMs = this.startDeltaUs = this.endDeltaUs = this.durationMs = -1;
    this.systemInitMs = NaN;
  }

  setStart(ms: number, rank: number): void {
    if (rank > this.startRank) {
      this.startMs = ms;
      this.startRank = rank;
    }
  }

  setEnd(ms: number, rank: number): void {
    if (rank > this.endRank) {
      this.endMs = ms;
      this.endRank = rank;
    }
  }
}
