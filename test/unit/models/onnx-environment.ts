// Jest gives each test file its own VM context with its own typed-array classes, while onnxruntime-node
// creates output arrays in Node's realm; onnxruntime-common's Tensor then fails its instanceof check.
// This environment hands the test context Node's own typed-array classes so that in-thread
// InferenceSession.run works under jest.
import { TestEnvironment } from 'jest-environment-node';

const TYPED = [
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

export default class OnnxTestEnvironment extends TestEnvironment {
  constructor(...args: ConstructorParameters<typeof TestEnvironment>) {
    super(...args);
    const target = this.global as unknown as Record<string, unknown>;
    const source = globalThis as unknown as Record<string, unknown>;
    for (const name of TYPED) {
      target[name] = source[name];
    }
  }
}
