// Entry of a scoring worker thread. Holds one onnxruntime InferenceSession per model and scores the
// batches the pool sends, one at a time. Imports only onnxruntime-node and ./protocol at run time, so it
// runs from gateway/dist and, through worker-launch.ts's loader, from the TypeScript sources.
import { parentPort, workerData } from 'node:worker_threads';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { INPUT_NAME, type ModelKey, type RunMessage, type WorkerInit, type WorkerMessage } from './protocol';

interface LoadedModel {
  readonly key: ModelKey;
  readonly output: string;
  readonly session: InferenceSession;
}

function send(message: WorkerMessage, transfer: ArrayBuffer[] = []): void {
  parentPort?.postMessage(message, transfer);
}

function checkSignature(
  key: ModelKey,
  session: InferenceSession,
  output: string,
  featureCount: number,
): void {
  if (session.inputNames.length !== 1 || session.inputNames[0] !== INPUT_NAME) {
    throw new Error(
      `${key} model must have one input named '${INPUT_NAME}', has [${session.inputNames.join(', ')}]`,
    );
  }
  if (!session.outputNames.includes(output)) {
    throw new Error(`${key} model has no output '${output}' (has [${session.outputNames.join(', ')}])`);
  }
  const input = session.inputMetadata[0];
  const width = input?.isTensor === true ? input.shape[1] : undefined;
  if (typeof width === 'number' && width !== featureCount) {
    throw new Error(`${key} model expects ${width} features per row, the feature spec has ${featureCount}`);
  }
}

async function load(init: WorkerInit): Promise<LoadedModel[]> {
  const loaded: LoadedModel[] = [];
  for (const model of init.models) {
    const session = await InferenceSession.create(model.bytes, {
      intraOpNumThreads: init.intraOpThreads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      // No CPU arena and no memory pattern: with them onnxruntime keeps the peak of every batch size
      // it has seen, which under a flood (batches of up to maxBatch rows) is tens of MB per session.
      // Allocating per run costs less than 1 % at these batch sizes (bench/README.md).
      enableCpuMemArena: false,
      enableMemPattern: false,
    });
    checkSignature(model.key, session, model.output, init.featureCount);
    loaded.push({ key: model.key, output: model.output, session });
  }
  return loaded;
}

async function run(models: readonly LoadedModel[], featureCount: number, msg: RunMessage): Promise<void> {
  try {
    const input = new Tensor('float32', msg.rows, [msg.count, featureCount]);
    const outputs: Partial<Record<ModelKey, Float32Array>> = {};
    const transfer: ArrayBuffer[] = [];
    for (const model of models) {
      // All outputs, read by name: onnxruntime-node 1.23.2 keys a subset fetch (run(feeds, [name]))
      // by the wrong output names when the model has several outputs.
      const result = await model.session.run({ [INPUT_NAME]: input });
      const data = result[model.output]?.data;
      if (!(data instanceof Float32Array) || data.length !== msg.count) {
        throw new Error(`${model.key} output '${model.output}' is not float32 with one value per row`);
      }
      const copy = Float32Array.from(data);
      outputs[model.key] = copy;
      transfer.push(copy.buffer);
    }
    send({ type: 'result', id: msg.id, outputs }, transfer);
  } catch (err) {
    send({ type: 'run-error', id: msg.id, message: err instanceof Error ? err.message : String(err) });
  }
}

async function main(): Promise<void> {
  const init = (workerData as { init: WorkerInit }).init;
  let models: LoadedModel[];
  try {
    models = await load(init);
  } catch (err) {
    send({ type: 'init-error', message: err instanceof Error ? err.message : String(err) });
    return;
  }
  // One batch at a time: the pool never sends the next before this one's answer.
  let chain = Promise.resolve();
  parentPort?.on('message', (msg: { type?: unknown }) => {
    if (msg.type === 'run') {
      chain = chain.then(() => run(models, init.featureCount, msg as RunMessage));
    }
  });
  send({ type: 'ready' });
}

void main();
