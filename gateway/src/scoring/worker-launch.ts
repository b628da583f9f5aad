import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Runs a worker entry written in TypeScript without a build (jest with ts-jest, ts-node): installs a
 * `.ts` require hook that transpiles with the `typescript` package (a dev dependency), then loads the
 * entry. Workspace packages the entry imports (@cityledger/core) are loaded from their sources too, as
 * jest maps them, so a worker never runs a stale or missing dist beside the sources under test. From
 * gateway/dist the compiled `.js` entry is started directly and this is never used.
 */
const TS_LOADER = `'use strict';
const fs = require('node:fs');
const Module = require('node:module');
const { workerData } = require('node:worker_threads');
const ts = require(workerData.launch.typescript);
const sources = workerData.launch.sources;
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return resolve.call(this, Object.hasOwn(sources, request) ? sources[request] : request, ...rest);
};
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

/** Workspace packages a worker may import, by name: their TypeScript entry, when the sources are there. */
function workspaceSources(): Record<string, string> {
  const sources: Record<string, string> = {};
  for (const name of ['@cityledger/core']) {
    const index = path.join(path.dirname(require.resolve(`${name}/package.json`)), 'src', 'index.ts');
    if (existsSync(index)) {
      sources[name] = index;
    }
  }
  return sources;
}

/** Starts a worker thread on `entry` (.js, or .ts through the TypeScript loader). */
export function startWorker(entry: string, workerData: unknown, options: WorkerOptions = {}): Worker {
  if (entry.endsWith('.ts')) {
    const typescript = require.resolve('typescript');
    return new Worker(TS_LOADER, {
      ...options,
      eval: true,
      workerData: { ...(workerData as object), launch: { entry, typescript, sources: workspaceSources() } },
    });
  }
  return new Worker(entry, { ...options, workerData });
}
