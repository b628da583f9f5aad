import path from 'node:path';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Runs a worker entry written in TypeScript without a build (jest with ts-jest, ts-node): installs a
 * `.ts` require hook that transpiles with the `typescript` package (a dev dependency), then loads the
 * entry. From gateway/dist the compiled `.js` entry is started directly and this is never used.
 */
const TS_LOADER = `'use strict';
const fs = require('node:fs');
const { workerData } = require('node:worker_threads');
const ts = require(workerData.launch.typescript);
require.extensions['.ts'] = function (module, filename) {
  const out = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
      inlineSourceMap: true,
    },
  });
  module._compile(out.outputText, filename);
};
require(workerData.launch.entry);
`;

/** The scoring worker entry next to this module: worker.js from dist, worker.ts from the sources. */
export function defaultWorkerEntry(): string {
  return path.join(__dirname, `worker${path.extname(__filename)}`);
}

/** Starts a worker thread on `entry` (.js, or .ts through the TypeScript loader). */
export function startWorker(entry: string, workerData: unknown, options: WorkerOptions = {}): Worker {
  if (entry.endsWith('.ts')) {
    const typescript = require.resolve('typescript');
    return new Worker(TS_LOADER, {
      ...options,
      eval: true,
      workerData: { ...(workerData as object), launch: { entry, typescript } },
    });
  }
  return new Worker(entry, { ...options, workerData });
}
