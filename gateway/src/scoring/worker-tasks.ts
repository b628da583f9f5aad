// Worker side of the pool's tasks (ScoringPool.runTask): work besides scoring that a gateway hands to
// its scoring threads, which the micro-batching leaves idle part of the time. Imports only
// node:worker_threads and ./protocol at run time, like worker.ts.
import { parentPort } from 'node:worker_threads';
import type { TaskMessage, WorkerMessage } from './protocol';

/**
 * Answers the pool's task messages with `handler`, one at a time, in arrival order. A worker entry
 * that runs tasks imports ./worker (the scorer) and calls this once. A handler that throws fails
 * that task only (the pool rejects its caller with `task-failed`); the worker goes on.
 */
export function serveTasks(handler: (input: unknown) => unknown): void {
  parentPort?.on('message', (msg: { type?: unknown }) => {
    if (msg.type !== 'task') {
      return;
    }
    const { id, input } = msg as TaskMessage;
    let answer: WorkerMessage;
    try {
      answer = { type: 'task-result', id, output: handler(input) };
    } catch (err) {
      answer = { type: 'task-error', id, message: err instanceof Error ? err.message : String(err) };
    }
    parentPort?.postMessage(answer);
  });
}
