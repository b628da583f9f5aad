// The real scoring worker, plus a crash on demand: a batch whose first value is CRASH_MARKER ends the
// worker thread abruptly (as a native fault in onnxruntime would) before the real worker sees it.
// The real worker registers its own listener only after loading its models, so this one runs first.
import { parentPort } from 'node:worker_threads';
import '../../../../../gateway/src/scoring/worker';
import { CRASH_MARKER } from './crash-marker';

parentPort?.on('message', (msg: { type?: string; rows?: Float32Array }) => {
  if (msg.type === 'run' && msg.rows?.[0] === CRASH_MARKER) {
    process.exit(7);
  }
});
