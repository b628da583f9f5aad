import type { KeyObject } from 'node:crypto';
import path from 'node:path';
import { type AttestationSigner, signWithKey } from './attestation-signer';
import {
  type AlertContext,
  type AlertFlow,
  type AlertScores,
  type BuiltAlert,
  unsignedAlert,
} from './flow-alert-build';
import type { BiFlow } from './flow/biflow';
import type { Scores } from './ports';

// Flow alerts built in the scoring worker (flow-alert-worker.ts), which the micro-batching leaves idle
// part of the time, instead of on the main thread: the task's input and output, and both ends of it.
// Imported by the worker: run-time imports are node's, ./attestation-signer and ./flow-alert-build.

/** `workerData.task` of a flow-alert worker: what every alert shares, and the signer's key. */
export interface AlertWorkerData extends AlertContext {
  readonly key: KeyObject;
}

/** What runs the alert tasks: the scoring pool created with `flowAlertTasks` (ScoringPool.runTask). */
export interface AlertWorker {
  /** Worker threads: the tasks of a chunk are spread over them. */
  readonly workers: number;
  runTask(input: unknown): Promise<unknown>;
}

/** A flagged flow that cannot be an alert, and why. */
export interface InvalidFlow {
  /** Position of the flow in the chunk. */
  readonly index: number;
  readonly error: unknown;
}

/**
 * The alerts of a chunk's flagged flows, as parallel arrays in flow order (what crosses from the worker:
 * strings and flags, nothing the main thread parses again), and the flagged flows that cannot be one.
 */
export interface AlertBatch {
  readonly ids: string[];
  readonly payloads: string[];
  readonly urgent: boolean[];
  readonly flowRefs: string[];
  readonly tuples: string[];
  readonly invalid: InvalidFlow[];
}

export function emptyAlertBatch(): AlertBatch {
  return { ids: [], payloads: [], urgent: [], flowRefs: [], tuples: [], invalid: [] };
}

/** `items` cut into `n` contiguous parts whose sizes differ by at most one, the larger ones first. */
export function evenParts<T>(items: readonly T[], n: number): T[][] {
  const parts: T[][] = [];
  let at = 0;
  for (let k = 0; k < n; k++) {
    const size = Math.ceil((items.length - at) / (n - k));
    parts.push(items.slice(at, at + size));
    at += size;
  }
  return parts;
}

/** The batches one after the other (flow order, when they are the parts of a chunk in order). */
export function mergeAlertBatches(batches: readonly AlertBatch[]): AlertBatch {
  const [first, ...rest] = batches;
  const merged = first ?? emptyAlertBatch();
  for (const b of rest) {
    merged.ids.push(...b.ids);
    merged.payloads.push(...b.payloads);
    merged.urgent.push(...b.urgent);
    merged.flowRefs.push(...b.flowRefs);
    merged.tuples.push(...b.tuples);
    merged.invalid.push(...b.invalid);
  }
  return merged;
}

export function addAlert(batch: AlertBatch, alert: BuiltAlert): void {
  batch.ids.push(alert.id);
  batch.payloads.push(alert.payload);
  batch.urgent.push(alert.urgent);
  batch.flowRefs.push(alert.flowRef);
  batch.tuples.push(alert.tuple);
}

/**
 * Values per flagged flow in a task's input: its index in the chunk, the AlertFlow fields, the
 * AlertScores. One flat array: structured clone copies it faster than objects, and keeps every value
 * as it is (a typed array would turn a non-number into a number, and validation would see another flow).
 */
const FIELDS = 15;

/** The task input for the flagged flows (`flagged`: their positions in `flows`) of a scored chunk. */
export function alertTaskInput(
  flows: readonly BiFlow[],
  scores: readonly Scores[],
  flagged: readonly number[],
): unknown[] {
  const input = new Array<unknown>(flagged.length * FIELDS);
  let at = 0;
  for (const i of flagged) {
    const f = flows[i] as BiFlow;
    const s = scores[i] as Scores;
    input[at++] = i;
    input[at++] = f.startMs;
    input[at++] = f.endMs;
    input[at++] = f.protocol;
    input[at++] = f.srcAddr;
    input[at++] = f.srcPort;
    input[at++] = f.dstAddr;
    input[at++] = f.dstPort;
    input[at++] = f.fwdBytes;
    input[at++] = f.fwdPackets;
    input[at++] = f.revBytes;
    input[at++] = f.revPackets;
    input[at++] = s.attackProbability;
    input[at++] = s.anomalyScore;
    input[at++] = s.verdict;
  }
  return input;
}

/** The flow and scores at `at` of a task input (the values as alertTaskInput read them). */
function readFlow(input: readonly unknown[], at: number): { flow: AlertFlow; scores: AlertScores } {
  const v = (k: number): number => input[at + k] as number;
  const anomalyScore = input[at + 13] as number | undefined;
  return {
    flow: {
      startMs: v(1),
      endMs: v(2),
      protocol: v(3),
      srcAddr: input[at + 4] as string,
      srcPort: v(5),
      dstAddr: input[at + 6] as string,
      dstPort: v(7),
      fwdBytes: v(8),
      fwdPackets: v(9),
      revBytes: v(10),
      revPackets: v(11),
    },
    scores: {
      attackProbability: v(12),
      ...(anomalyScore === undefined ? {} : { anomalyScore }),
      verdict: input[at + 14] as AlertScores['verdict'],
    },
  };
}

/** An error as it can cross threads and be logged: type, catalogue code (when it has one), message. */
function wireError(err: unknown): { type: string; code?: unknown; message: string } {
  if (!(err instanceof Error)) {
    return { type: typeof err, message: String(err) };
  }
  const code = (err as { code?: unknown }).code;
  return { type: err.name, ...(code === undefined ? {} : { code }), message: err.message };
}

/**
 * The worker's task: builds and signs the alerts of a task input with the key. A flow that cannot be
 * an alert (core's rules, size limit) is reported in `invalid`, never thrown: the others go on.
 */
export function alertTask(data: AlertWorkerData): (input: unknown) => AlertBatch {
  const { key } = data;
  const ctx: AlertContext = { gatewayId: data.gatewayId, salt: data.salt, models: data.models };
  return (input) => {
    const values = input as readonly unknown[];
    const batch = emptyAlertBatch();
    for (let at = 0; at < values.length; at += FIELDS) {
      try {
        const { flow, scores } = readFlow(values, at);
        const unsigned = unsignedAlert(ctx, flow, scores);
        addAlert(batch, unsigned.sign(signWithKey(key, unsigned.message)));
      } catch (err) {
        batch.invalid.push({ index: values[at] as number, error: wireError(err) });
      }
    }
    return batch;
  };
}

/**
 * The scoring pool's `tasks` for building alerts in its workers, or undefined when the signer's key
 * cannot be handed to a worker (no `workerKey`: a TPM or HSM): then alerts are signed on the main thread.
 */
export function flowAlertTasks(
  signer: AttestationSigner,
  ctx: AlertContext,
): { entry: string; data: AlertWorkerData } | undefined {
  const key = signer.workerKey?.();
  if (key === undefined) {
    return undefined;
  }
  const entry = path.join(__dirname, `flow-alert-worker${path.extname(__filename)}`);
  return { entry, data: { gatewayId: ctx.gatewayId, salt: ctx.salt, models: ctx.models, key } };
}
