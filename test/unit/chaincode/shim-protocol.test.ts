// Checked against Fabric's own generated classes (fabric-protos 0.3). This file must not load
// fabric-shim: its older fabric-protos shares google-protobuf's global namespace (see protobuf.ts).
import { peer } from '@hyperledger/fabric-protos';
import { ProtoWriter, readFields } from '../../../chaincode/src/ledger/protobuf';
import {
  decodeGetStateMultiple,
  decodePeerLimits,
  encodeGetStateMultiple,
  encodePeerLimits,
  encodeWriteBatch,
  MESSAGE_TYPE,
  NO_BATCHING,
  type WriteOp,
} from '../../../chaincode/src/ledger/shim-protocol';

describe('shim protocol payloads', () => {
  it('uses the message and record type numbers of chaincode_shim.proto', () => {
    expect(MESSAGE_TYPE).toEqual({
      ready: peer.ChaincodeMessage.Type.READY,
      writeBatchState: peer.ChaincodeMessage.Type.WRITE_BATCH_STATE,
      getStateMultiple: peer.ChaincodeMessage.Type.GET_STATE_MULTIPLE,
    });
  });

  it('reads the limits a Fabric 3 peer announces in READY', () => {
    const params = new peer.ChaincodeAdditionalParams();
    params.setUseWriteBatch(true);
    params.setMaxSizeWriteBatch(1000);
    params.setUseGetMultipleKeys(true);
    params.setMaxSizeGetMultipleKeys(300);
    expect(decodePeerLimits(params.serializeBinary())).toEqual({ maxWrites: 1000, maxReads: 300 });

    params.setUseWriteBatch(false);
    expect(decodePeerLimits(params.serializeBinary())).toEqual({ maxWrites: 0, maxReads: 300 });
    // A peer before Fabric 3 sends READY without payload.
    expect(decodePeerLimits(new Uint8Array())).toEqual(NO_BATCHING);

    const back = peer.ChaincodeAdditionalParams.deserializeBinary(
      encodePeerLimits({ maxWrites: 7, maxReads: 0 }),
    );
    expect(back.toObject()).toEqual({
      useWriteBatch: true,
      maxSizeWriteBatch: 7,
      useGetMultipleKeys: false,
      maxSizeGetMultipleKeys: 0,
    });
  });

  it('encodes a write batch the peer decodes record for record', () => {
    const big = Buffer.alloc(300, 7);
    const ops: WriteOp[] = [
      { type: 'put', collection: '', key: 'record~a', value: Buffer.from('{"id":"a"}') },
      { type: 'put', collection: '', key: 'ix~all~t~_~2026~a', value: big },
      { type: 'delete', collection: 'healthPrivate', key: 'personal~a' },
      {
        type: 'metadata',
        collection: '',
        key: 'gateway~g',
        metakey: 'VALIDATION_PARAMETER',
        value: Buffer.from([1, 2]),
      },
    ];
    const batch = peer.WriteBatchState.deserializeBinary(encodeWriteBatch(ops));
    const recs = batch.getRecList().map((r) => ({
      type: r.getType(),
      key: r.getKey(),
      collection: r.getCollection(),
      value: Buffer.from(r.getValue_asU8()),
      metakey: r.getMetadata()?.getMetakey(),
      metavalue: r.getMetadata() && Buffer.from(r.getMetadata()!.getValue_asU8()),
    }));
    const T = peer.WriteRecord.Type;
    expect(recs).toEqual([
      {
        type: T.PUT_STATE,
        key: 'record~a',
        collection: '',
        value: Buffer.from('{"id":"a"}'),
        metakey: undefined,
        metavalue: undefined,
      },
      {
        type: T.PUT_STATE,
        key: 'ix~all~t~_~2026~a',
        collection: '',
        value: big,
        metakey: undefined,
        metavalue: undefined,
      },
      {
        type: T.DEL_STATE,
        key: 'personal~a',
        collection: 'healthPrivate',
        value: Buffer.alloc(0),
        metakey: undefined,
        metavalue: undefined,
      },
      {
        type: T.PUT_STATE_METADATA,
        key: 'gateway~g',
        collection: '',
        value: Buffer.alloc(0),
        metakey: 'VALIDATION_PARAMETER',
        metavalue: Buffer.from([1, 2]),
      },
    ]);
  });

  it('asks for several keys and reads the answer in key order, absent keys empty', () => {
    const request = peer.GetStateMultiple.deserializeBinary(encodeGetStateMultiple('', ['a', 'b', 'c']));
    expect(request.getKeysList()).toEqual(['a', 'b', 'c']);
    expect(request.getCollection()).toBe('');

    const result = new peer.GetStateMultipleResult();
    result.setValuesList([Buffer.from('x'), new Uint8Array(), Buffer.from('z')]);
    expect(decodeGetStateMultiple(result.serializeBinary(), 3).map((v) => v.toString())).toEqual([
      'x',
      '',
      'z',
    ]);
  });

  it('refuses an answer with another number of values (the peer answers none on a database error)', () => {
    expect(() => decodeGetStateMultiple(new peer.GetStateMultipleResult().serializeBinary(), 2)).toThrow(
      'GET_STATE_MULTIPLE answered 0 values for 2 keys',
    );
  });
});

describe('protobuf wire format', () => {
  it('round-trips varints beyond 32 bits and long fields', () => {
    const long = Buffer.alloc(1_000_000, 1);
    const fields = readFields(
      new ProtoWriter()
        .varint(1, 2 ** 40 + 5)
        .bytes(2, long)
        .varint(3, 0)
        .finish(),
    );
    expect(fields).toHaveLength(2);
    expect(fields[0]).toEqual({ field: 1, number: 2 ** 40 + 5 });
    expect(long.equals(fields[1]!.bytes!)).toBe(true);
  });

  it('refuses truncated input and unknown wire types', () => {
    expect(() => readFields(Uint8Array.from([0x0a, 0x05, 0x01]))).toThrow('truncated field');
    expect(() => readFields(Uint8Array.from([0x08, 0x80]))).toThrow('truncated or oversized varint');
    expect(() => readFields(Uint8Array.from([0x0d, 0, 0, 0, 0]))).toThrow('wire type 5');
    expect(() => new ProtoWriter().varint(1, -1)).toThrow(RangeError);
  });
});
