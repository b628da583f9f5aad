import './quiet-logs';
import { createRequire } from 'node:module';
import { type ChaincodeStub } from 'fabric-shim';
import { batchStateCalls, prefetchState } from '../../../chaincode/src/ledger/batched-state';
import { listenForPeerLimits, peerLimits } from '../../../chaincode/src/ledger/peer-limits';
import { readFields } from '../../../chaincode/src/ledger/protobuf';
import { encodePeerLimits, type PeerBatchLimits } from '../../../chaincode/src/ledger/shim-protocol';

/**
 * fabric-shim's real handler and stub, talking over an in-memory stream to a fake peer that keeps
 * Fabric's semantics (reads see committed state; a transaction's writes apply when it commits) and
 * counts the messages it receives. Only the gRPC stream is fake.
 */

const shimRequire = createRequire(require.resolve('fabric-shim'));
const { peer: shimProtos } = shimRequire('@hyperledger/fabric-protos') as {
  peer: Record<
    string,
    {
      new (): Record<string, (...a: unknown[]) => unknown>;
      deserializeBinary(b: Uint8Array): Record<string, () => unknown>;
    } & { Type: Record<string, number> }
  >;
};
/** The shim's stub class (its typings declare no constructor). */
const Stub = shimRequire('./lib/stub') as new (
  handler: unknown,
  channelId: string,
  txId: string,
  input: unknown,
  proposal: undefined,
) => ChaincodeStub;
const { ChaincodeMessageHandler } = shimRequire('./lib/handler') as {
  ChaincodeMessageHandler: new (stream: unknown, chaincode: unknown) => ShimHandler;
};

interface ShimMessage {
  getType(): number;
  getPayload_asU8(): Uint8Array;
  getTxid(): string;
  getChannelId(): string;
}

interface ShimHandler {
  chat(starter: unknown): void;
  msgQueueHandler: { handleMsgResponse(response: unknown): void };
}

const TYPE = shimProtos.ChaincodeMessage!.Type;
const READY = 4;
const WRITE_BATCH_STATE = 24;
const GET_STATE_MULTIPLE = 25;

const text = (b: Uint8Array | undefined): string => Buffer.from(b ?? new Uint8Array()).toString('utf8');

class FakePeer {
  readonly committed = new Map<string, Buffer>();
  readonly metadata = new Map<string, Buffer>();
  /** Message types received, per transaction. */
  readonly received: number[] = [];
  pending = new Map<string, Buffer | null>();
  pendingMetadata = new Map<string, Buffer>();
  fail: string | undefined;
  readonly #listeners: ((m: unknown) => void)[] = [];
  handler!: ShimHandler;

  readonly stream = {
    on: (event: string, fn: (m: unknown) => void) => {
      if (event === 'data') {
        this.#listeners.push(fn);
      }
    },
    write: (message: ShimMessage) => {
      const type = message.getType();
      if (type === TYPE.REGISTER) {
        return;
      }
      this.received.push(type);
      const answer = this.#answer(type, message.getPayload_asU8());
      setImmediate(() => {
        this.handler.msgQueueHandler.handleMsgResponse({
          type: this.fail === undefined ? TYPE.RESPONSE : TYPE.ERROR,
          payload: this.fail === undefined ? Buffer.from(answer) : Buffer.from(this.fail),
          txid: message.getTxid(),
          channel_id: message.getChannelId(),
        });
      });
    },
    end: () => undefined,
  };

  /** Opens a connection the way a peer does: REGISTERED, then READY with `limits` (undefined: none). */
  connect(limits: PeerBatchLimits | undefined): void {
    this.handler = new ChaincodeMessageHandler(this.stream, {});
    const register = new shimProtos.ChaincodeMessage!();
    register.setType!(TYPE.REGISTER);
    this.handler.chat(register);
    this.#send(TYPE.REGISTERED!, new Uint8Array());
    this.#send(READY, limits === undefined ? new Uint8Array() : encodePeerLimits(limits));
    this.received.length = 0;
  }

  #send(type: number, payload: Uint8Array): void {
    const m = new shimProtos.ChaincodeMessage!();
    m.setType!(type);
    m.setPayload!(payload);
    for (const fn of this.#listeners) {
      fn(m);
    }
  }

  #put(collection: string, key: string, value: Buffer | null): void {
    this.pending.set(`${collection}/${key}`, value);
  }

  #answer(type: number, payload: Uint8Array): Uint8Array {
    const fields = readFields(payload);
    const str = (n: number): string => text(fields.find((f) => f.field === n)?.bytes);
    switch (type) {
      case TYPE.GET_STATE:
        return this.committed.get(`${str(2)}/${str(1)}`) ?? new Uint8Array();
      case TYPE.PUT_STATE:
        this.#put(str(3), str(1), Buffer.from(fields.find((f) => f.field === 2)?.bytes ?? []));
        return new Uint8Array();
      case TYPE.DEL_STATE:
        this.#put(str(2), str(1), null);
        return new Uint8Array();
      case WRITE_BATCH_STATE:
        for (const rec of fields) {
          this.#applyRecord(readFields(rec.bytes!));
        }
        return new Uint8Array();
      case GET_STATE_MULTIPLE: {
        const keys = fields.filter((f) => f.field === 1).map((f) => text(f.bytes));
        const values = keys.map((k) => this.committed.get(`/${k}`) ?? Buffer.alloc(0));
        return Buffer.concat(values.map((v) => Buffer.concat([Buffer.from([0x0a, v.length]), v])));
      }
      default:
        return new Uint8Array();
    }
  }

  #applyRecord(rec: ReturnType<typeof readFields>): void {
    const get = (n: number) => rec.find((f) => f.field === n);
    const key = text(get(1)?.bytes);
    const collection = text(get(3)?.bytes);
    const kind = get(5)?.number;
    if (kind === 9) {
      this.#put(collection, key, Buffer.from(get(2)?.bytes ?? []));
    } else if (kind === 10) {
      this.#put(collection, key, null);
    } else if (kind === 21) {
      this.pendingMetadata.set(
        key,
        Buffer.from(readFields(get(4)!.bytes!).find((f) => f.field === 2)!.bytes!),
      );
    } else {
      throw new Error(`unexpected write record type ${kind}`);
    }
  }

  commit(): void {
    for (const [k, v] of this.pending) {
      if (v === null) {
        this.committed.delete(k);
      } else {
        this.committed.set(k, v);
      }
    }
    for (const [k, v] of this.pendingMetadata) {
      this.metadata.set(k, v);
    }
    this.pending = new Map();
    this.pendingMetadata = new Map();
    this.received.length = 0;
  }

  stub(txId = 'tx1'): ChaincodeStub {
    const input = new shimProtos.ChaincodeInput!();
    input.setArgsList!([Buffer.from('fn')]);
    return new Stub(this.handler, 'cityledger', txId, input, undefined);
  }
}

listenForPeerLimits();

function peerWith(limits: PeerBatchLimits | undefined): FakePeer {
  const p = new FakePeer();
  p.connect(limits);
  p.committed.set('/a', Buffer.from('A'));
  p.committed.set('/b', Buffer.from('B'));
  return p;
}

describe('batched state calls over the shim', () => {
  it('learns the limits each peer announces in READY', () => {
    expect(peerLimits(peerWith({ maxWrites: 1000, maxReads: 500 }).handler)).toEqual({
      maxWrites: 1000,
      maxReads: 500,
    });
    expect(peerLimits(peerWith(undefined).handler)).toEqual({ maxWrites: 0, maxReads: 0 });
  });

  it('sends a transaction’s writes as one WRITE_BATCH_STATE when it completes', async () => {
    const p = peerWith({ maxWrites: 1000, maxReads: 1000 });
    const stub = p.stub();
    const batching = batchStateCalls(stub)!;
    await stub.putState('x', Buffer.from('1'));
    await stub.putState('y', Buffer.from('2'));
    await stub.setStateValidationParameter('x', Buffer.from([9]));
    await stub.deleteState('a');
    await stub.putState('x', Buffer.from('3')); // last write wins, as in Fabric
    expect(p.received).toEqual([]);
    await batching.flush();
    expect(p.received).toEqual([WRITE_BATCH_STATE]);
    p.commit();
    expect([...p.committed.entries()].map(([k, v]) => `${k}=${v.toString()}`).sort()).toEqual([
      '/b=B',
      '/x=3',
      '/y=2',
    ]);
    expect(p.metadata.get('x')).toEqual(Buffer.from([9]));
  });

  it('keeps to the peer’s batch size', async () => {
    const p = peerWith({ maxWrites: 2, maxReads: 2 });
    const stub = p.stub();
    const batching = batchStateCalls(stub)!;
    for (const k of ['k1', 'k2', 'k3', 'k4', 'k5']) {
      await stub.putState(k, Buffer.from(k));
    }
    await batching.flush();
    expect(p.received).toEqual([WRITE_BATCH_STATE, WRITE_BATCH_STATE, WRITE_BATCH_STATE]);
    p.commit();
    expect(p.committed.size).toBe(7);

    await prefetchState(stub, ['a', 'b', 'c']);
    expect(p.received).toEqual([GET_STATE_MULTIPLE, GET_STATE_MULTIPLE]);
  });

  it('answers prefetched keys without a round trip; reads still see committed state only', async () => {
    const p = peerWith({ maxWrites: 1000, maxReads: 1000 });
    const stub = p.stub();
    const batching = batchStateCalls(stub)!;
    await prefetchState(stub, ['a', 'missing', 'a']);
    expect(p.received).toEqual([GET_STATE_MULTIPLE]);
    await stub.putState('a', Buffer.from('changed'));
    expect(text(await stub.getState('a'))).toBe('A');
    expect((await stub.getState('missing')).length).toBe(0);
    expect(p.received).toEqual([GET_STATE_MULTIPLE]);
    // A key not prefetched is read from the peer.
    expect(text(await stub.getState('b'))).toBe('B');
    expect(p.received).toEqual([GET_STATE_MULTIPLE, TYPE.GET_STATE]);
    await batching.flush();
    p.commit();
    expect(text(p.committed.get('/a'))).toBe('changed');
  });

  it('sends pending writes before a private-data call, keeping their order', async () => {
    const p = peerWith({ maxWrites: 1000, maxReads: 1000 });
    const stub = p.stub();
    const batching = batchStateCalls(stub)!;
    await stub.putState('x', Buffer.from('1'));
    await stub.deletePrivateData('healthPrivate', 'personal~r');
    await batching.flush();
    expect(p.received).toEqual([WRITE_BATCH_STATE, TYPE.DEL_STATE]);
  });

  it('makes a peer error the transaction’s error', async () => {
    const p = peerWith({ maxWrites: 1000, maxReads: 1000 });
    const stub = p.stub();
    const batching = batchStateCalls(stub)!;
    await stub.putState('x', Buffer.from('1'));
    p.fail = 'tx creator does not have write access permission on healthPrivate';
    await expect(batching.flush()).rejects.toThrow('does not have write access permission');
  });

  it('changes nothing when the peer announced no batching', async () => {
    const p = peerWith(undefined);
    const stub = p.stub();
    expect(batchStateCalls(stub)).toBeUndefined();
    await prefetchState(stub, ['a', 'b']);
    expect(p.received).toEqual([]);
    await stub.putState('x', Buffer.from('1'));
    expect(text(await stub.getState('a'))).toBe('A');
    expect(p.received).toEqual([TYPE.PUT_STATE, TYPE.GET_STATE]);
  });

  it('reads only, when the peer batches reads but not writes', async () => {
    const p = peerWith({ maxWrites: 0, maxReads: 10 });
    const stub = p.stub();
    const batching = batchStateCalls(stub)!;
    await prefetchState(stub, ['a']);
    await stub.putState('x', Buffer.from('1'));
    await batching.flush();
    expect(p.received).toEqual([GET_STATE_MULTIPLE, TYPE.PUT_STATE]);
  });
});
