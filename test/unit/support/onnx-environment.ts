// Jest runs each test file in its own VM context, whose typed-array classes differ from Node's. The
// onnxruntime-node binding creates its output arrays in Node's realm, and onnxruntime-common's Tensor
// then rejects them (`instanceof Float32Array` is false across realms), so an in-thread
// InferenceSession.run fails under plain jest. This environment gives the test context Node's own
// typed-array classes. Worker threads need none of this.
import { TestEnvironment } from 'jest-environment-node';

const SHARED = [
  'ArrayBuffer',
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
] as const;

export default class OnnxEnvironment extends TestEnvironment {
  constructor(...args: ConstructorParameters<typeof TestEnvironment>) {
    super(...args);
    const target = this.global as unknown as Record<string, unknown>;
    const source = globalThis as unknown as Record<string, unknown>;
    for (const name of SHARED) {
      target[name] = source[name];
    }
  }
}
