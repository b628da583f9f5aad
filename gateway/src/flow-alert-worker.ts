// Entry of a scoring worker that also builds flow alerts (flow-alert-task.ts): the scorer of
// ./scoring/worker, and the pool's tasks answered with signed alerts. Started by the pool given
// `flowAlertTasks`; runs from gateway/dist and, through worker-launch.ts's loader, from the sources.
import { workerData } from 'node:worker_threads';
import './scoring/worker';
import { alertTask, type AlertWorkerData } from './flow-alert-task';
import type { WorkerData } from './scoring/protocol';
import { serveTasks } from './scoring/worker-tasks';

serveTasks(alertTask((workerData as WorkerData).task as AlertWorkerData));
