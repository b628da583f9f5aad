// Messages between the pool (main thread) and its workers. Only types and constants: worker.ts
// imports this file at run time, so it must not import anything that needs a build.

export type ModelKey = 'classifier' | 'anomaly';

/** Input tensor name of every CityLedger flow model (float32 [N, features]). */
export const INPUT_NAME = 'features';

export const DEFAULT_OUTPUTS: Readonly<Record<ModelKey, string>> = {
  classifier: 'attack_probability',
  anomaly: 'anomaly_score',
};

export interface WorkerModel {
  readonly key: ModelKey;
  readonly bytes: Uint8Array;
  readonly output: string;
}

/** `workerData.init` of every scoring worker. */
export interface WorkerInit {
  readonly models: readonly WorkerModel[];
  readonly featureCount: number;
  readonly intraOpThreads: number;
}

/**
 * `workerData` of a scoring worker: its init, and for a worker entry that also runs tasks (see
 * worker-tasks.ts), the task data the pool was given.
 */
export interface WorkerData {
  readonly init: WorkerInit;
  readonly task?: unknown;
}

/** Main -> worker: score `count` rows of `featureCount` float32 values each. */
export interface RunMessage {
  readonly type: 'run';
  readonly id: number;
  readonly count: number;
  readonly rows: Float32Array;
}

/** Main -> worker: run a task on `input` (answered by the entry's serveTasks handler). */
export interface TaskMessage {
  readonly type: 'task';
  readonly id: number;
  readonly input: unknown;
}

/** Worker -> main. */
export type WorkerMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'init-error'; readonly message: string }
  | {
      readonly type: 'result';
      readonly id: number;
      /** One score per row for each model key. */
      readonly outputs: Partial<Record<ModelKey, Float32Array>>;
    }
  | { readonly type: 'run-error'; readonly id: number; readonly message: string }
  | { readonly type: 'task-result'; readonly id: number; readonly output: unknown }
  | { readonly type: 'task-error'; readonly id: number; readonly message: string };
