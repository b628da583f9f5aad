import { createRequire } from 'node:module';
import { decodePeerLimits, MESSAGE_TYPE, NO_BATCHING, type PeerBatchLimits } from './shim-protocol';

/**
 * The batching limits each peer announced on its connection to this chaincode. A Fabric 3 peer sends
 * them in the payload of READY (`chaincode.runtimeParams` of its core.yaml); fabric-shim 2.5.8 reads
 * READY but drops the payload, so this file listens to the same stream and keeps the limits per
 * connection (the shim's ChaincodeMessageHandler). A connection it knows nothing about gets
 * NO_BATCHING: every state call then goes through the shim as before.
 */

interface ShimMessage {
  getType(): number;
  getPayload_asU8(): Uint8Array;
}

interface ShimStream {
  on(event: 'data', listener: (message: ShimMessage) => void): unknown;
}

interface ShimHandler {
  readonly _stream: ShimStream;
}

type Chat = (this: ShimHandler, starter: unknown) => unknown;

interface ShimHandlerClass {
  readonly prototype: { chat: Chat };
}

const limitsByConnection = new WeakMap<object, PeerBatchLimits>();
const patched = new WeakSet();

/** The limits the peer behind a shim handler announced; NO_BATCHING when unknown. */
export function peerLimits(handler: object): PeerBatchLimits {
  return limitsByConnection.get(handler) ?? NO_BATCHING;
}

/** Records what a READY message of a connection announced (exported for tests). */
export function recordReady(handler: object, payload: Uint8Array): void {
  limitsByConnection.set(handler, decodePeerLimits(payload));
}

function isHandlerClass(value: unknown): value is ShimHandlerClass {
  const proto = (value as { prototype?: { chat?: unknown } } | undefined)?.prototype;
  return typeof proto?.chat === 'function';
}

/** fabric-shim's handler class, as the shim's own cli loads it; undefined if its layout changed. */
function shimHandlerClass(): ShimHandlerClass | undefined {
  try {
    const shim = createRequire(require.resolve('fabric-shim'));
    const cls: unknown = (shim('./lib/handler') as { ChaincodeMessageHandler?: unknown })
      .ChaincodeMessageHandler;
    return isHandlerClass(cls) ? cls : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Makes every connection the shim opens from now on record its peer's READY limits. Idempotent; does
 * nothing when the shim's handler cannot be found (batching then stays off).
 */
export function listenForPeerLimits(handlerClass: unknown = shimHandlerClass()): void {
  if (!isHandlerClass(handlerClass) || patched.has(handlerClass)) {
    return;
  }
  patched.add(handlerClass);
  const chat = handlerClass.prototype.chat;
  handlerClass.prototype.chat = function chatRecordingLimits(this: ShimHandler, starter: unknown) {
    this._stream.on('data', (message) => {
      if (message.getType() === MESSAGE_TYPE.ready) {
        recordReady(this, message.getPayload_asU8());
      }
    });
    return chat.call(this, starter);
  };
}
