import { createRequire } from 'node:module';
import { type ChaincodeStub } from 'fabric-shim';
import { peerLimits } from './peer-limits';
import { NO_BATCHING, type PeerBatchLimits } from './shim-protocol';

/**
 * One transaction's conversation with its peer, for the messages fabric-shim 2.5.8 cannot send
 * itself. It goes through the shim's own per-transaction queue (`_askPeerAndListen`), so these
 * messages are serialised with the shim's GetState/PutState calls of the same transaction, as the
 * peer requires, and the answer (RESPONSE payload, or ERROR as a thrown Error) comes back the same
 * way. The envelope must be the shim's own ChaincodeMessage class (its gRPC serialiser checks it).
 */

interface ShimChaincodeMessage {
  setType(type: number): void;
  setPayload(payload: Uint8Array): void;
  setTxid(txId: string): void;
  setChannelId(channelId: string): void;
}

interface ShimHandler {
  _askPeerAndListen(message: ShimChaincodeMessage, method: string): Promise<unknown>;
}

/** The fields of fabric-shim's ChaincodeStub that name its connection and transaction. */
interface ShimStubInternals {
  readonly handler?: unknown;
  readonly channel_id?: unknown;
  readonly txId?: unknown;
}

export interface PeerSession {
  readonly limits: PeerBatchLimits;
  /** Sends one message of the transaction and resolves with the RESPONSE payload. */
  ask(type: number, payload: Uint8Array, method: string): Promise<Buffer>;
}

type MessageClass = new () => ShimChaincodeMessage;

let messageClass: MessageClass | null | undefined;

function shimMessageClass(): MessageClass | undefined {
  if (messageClass === undefined) {
    try {
      const shim = createRequire(require.resolve('fabric-shim'));
      const protos = shim('@hyperledger/fabric-protos') as {
        peer?: { ChaincodeMessage?: MessageClass };
      };
      messageClass = protos.peer?.ChaincodeMessage ?? null;
    } catch {
      messageClass = null;
    }
  }
  return messageClass ?? undefined;
}

function isShimHandler(value: unknown): value is ShimHandler {
  return typeof (value as Partial<ShimHandler> | undefined)?._askPeerAndListen === 'function';
}

/**
 * The session of a shim stub whose peer announced batching; undefined for anything else (another
 * stub implementation, a peer without batching, a shim whose internals changed).
 */
export function peerSession(
  stub: ChaincodeStub,
  Message: MessageClass | undefined = shimMessageClass(),
): PeerSession | undefined {
  const { handler, channel_id: channelId, txId } = stub as unknown as ShimStubInternals;
  if (
    Message === undefined ||
    !isShimHandler(handler) ||
    typeof channelId !== 'string' ||
    typeof txId !== 'string'
  ) {
    return undefined;
  }
  const limits = peerLimits(handler);
  if (limits === NO_BATCHING || (limits.maxReads === 0 && limits.maxWrites === 0)) {
    return undefined;
  }
  return {
    limits,
    async ask(type, payload, method) {
      const message = new Message();
      message.setType(type);
      message.setPayload(payload);
      message.setTxid(txId);
      message.setChannelId(channelId);
      const answer = await handler._askPeerAndListen(message, method);
      return Buffer.isBuffer(answer) ? answer : Buffer.alloc(0);
    },
  };
}
