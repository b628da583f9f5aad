import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { BiFlow } from './flow/biflow';

const NUMBER_FIELDS = [
  'startMs',
  'endMs',
  'protocol',
  'srcPort',
  'dstPort',
  'fwdBytes',
  'fwdPackets',
  'revBytes',
  'revPackets',
  'fwdTcpFlags',
  'revTcpFlags',
] as const;
const STRING_FIELDS = ['exporter', 'srcAddr', 'dstAddr'] as const;

/**
 * One BiFlow from a JSON line: either the flow itself, or an object carrying it as `flow` (the
 * models engineer's samples add dataset labels beside it). Undefined when the line is not a flow.
 */
export function flowFromLine(line: string): BiFlow | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) {
    return undefined;
  }
  const inner: unknown = 'flow' in value ? (value as { flow: unknown }).flow : value;
  if (typeof inner !== 'object' || inner === null) {
    return undefined;
  }
  const candidate = inner as Record<string, unknown>;
  const numbersOk = NUMBER_FIELDS.every(
    (k) => typeof candidate[k] === 'number' && Number.isFinite(candidate[k]),
  );
  const stringsOk = STRING_FIELDS.every((k) => typeof candidate[k] === 'string');
  if (!numbersOk || !stringsOk) {
    return undefined;
  }
  const flow: Record<string, unknown> = {};
  for (const k of [...STRING_FIELDS, ...NUMBER_FIELDS]) {
    flow[k] = candidate[k];
  }
  return flow as unknown as BiFlow;
}

export interface FlowFileStats {
  lines: number;
  flows: number;
  skipped: number;
}

/**
 * Reads a JSON-lines flow file in batches. Blank lines are ignored; lines that are not flows are
 * counted in `stats.skipped`.
 */
export async function* readFlowFile(
  file: string,
  batchSize: number,
  stats: FlowFileStats = { lines: 0, flows: 0, skipped: 0 },
): AsyncGenerator<BiFlow[]> {
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let batch: BiFlow[] = [];
  for await (const line of lines) {
    if (line.trim() === '') {
      continue;
    }
    stats.lines += 1;
    const flow = flowFromLine(line);
    if (flow === undefined) {
      stats.skipped += 1;
      continue;
    }
    stats.flows += 1;
    batch.push(flow);
    if (batch.length >= batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) {
    yield batch;
  }
}
