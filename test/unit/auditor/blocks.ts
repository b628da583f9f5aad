// Real Fabric block protobufs, built with fabric-protos, for the block parser and index tests.
import { createHash } from 'node:crypto';
import { common, ledger, peer } from '@hyperledger/fabric-protos';
import { canonicalBytes } from '@cityledger/core';

export interface TxSpec {
  readonly txId: string;
  readonly timestamp: string;
  readonly writes: readonly { key: string; value?: unknown; namespace?: string }[];
  readonly event?: { name: string; payload: unknown };
  /** TxValidationCode (0 = VALID). */
  readonly code?: number;
}

function varint(n: number): number[] {
  const bytes: number[] = [];
  let v = n;
  while (v >= 0x80) {
    bytes.push(v % 0x80 | 0x80);
    v = Math.floor(v / 0x80);
  }
  bytes.push(v);
  return bytes;
}

/** ChannelHeader field 3 (google.protobuf.Timestamp), encoded by hand: protobuf fields may come in any order. */
function timestampField(iso: string): Buffer {
  const ms = Date.parse(iso);
  const body = [0x08, ...varint(Math.floor(ms / 1000)), 0x10, ...varint((ms % 1000) * 1_000_000)];
  return Buffer.from([0x1a, ...varint(body.length), ...body]);
}

function envelope(tx: TxSpec, chaincode: string): Uint8Array {
  const byNamespace = new Map<string, ledger.rwset.kvrwset.KVWrite[]>();
  for (const w of tx.writes) {
    const write = new ledger.rwset.kvrwset.KVWrite();
    write.setKey(w.key);
    if (w.value === undefined) {
      write.setIsDelete(true);
    } else {
      write.setValue(canonicalBytes(w.value));
    }
    const ns = w.namespace ?? chaincode;
    byNamespace.set(ns, [...(byNamespace.get(ns) ?? []), write]);
  }
  const rwset = new ledger.rwset.TxReadWriteSet();
  rwset.setNsRwsetList(
    [...byNamespace].map(([ns, writes]) => {
      const kv = new ledger.rwset.kvrwset.KVRWSet();
      kv.setWritesList(writes);
      const nsSet = new ledger.rwset.NsReadWriteSet();
      nsSet.setNamespace(ns);
      nsSet.setRwset(kv.serializeBinary());
      return nsSet;
    }),
  );
  const action = new peer.ChaincodeAction();
  action.setResults(rwset.serializeBinary());
  if (tx.event !== undefined) {
    const event = new peer.ChaincodeEvent();
    event.setChaincodeId(chaincode);
    event.setTxId(tx.txId);
    event.setEventName(tx.event.name);
    event.setPayload(canonicalBytes(tx.event.payload));
    action.setEvents(event.serializeBinary());
  }
  const responsePayload = new peer.ProposalResponsePayload();
  responsePayload.setExtension$(action.serializeBinary());
  const endorsed = new peer.ChaincodeEndorsedAction();
  endorsed.setProposalResponsePayload(responsePayload.serializeBinary());
  const actionPayload = new peer.ChaincodeActionPayload();
  actionPayload.setAction(endorsed);
  const txAction = new peer.TransactionAction();
  txAction.setPayload(actionPayload.serializeBinary());
  const transaction = new peer.Transaction();
  transaction.setActionsList([txAction]);
  const channelHeader = new common.ChannelHeader();
  channelHeader.setType(common.HeaderType.ENDORSER_TRANSACTION);
  channelHeader.setTxId(tx.txId);
  const header = new common.Header();
  header.setChannelHeader(Buffer.concat([channelHeader.serializeBinary(), timestampField(tx.timestamp)]));
  const payload = new common.Payload();
  payload.setHeader(header);
  payload.setData(transaction.serializeBinary());
  const env = new common.Envelope();
  env.setPayload(payload.serializeBinary());
  return env.serializeBinary();
}

/** A block of endorser transactions with their validation codes. */
export function block(
  number: number,
  txs: readonly TxSpec[],
  chaincode = 'cityledger',
  chain = 'a',
): common.Block {
  const b = new common.Block();
  const header = new common.BlockHeader();
  header.setNumber(number);
  // A stand-in for the hash of the block's data: distinct per chain and block number.
  header.setDataHash(createHash('sha256').update(`${chain}:${number}`).digest());
  b.setHeader(header);
  const data = new common.BlockData();
  data.setDataList(txs.map((tx) => envelope(tx, chaincode)));
  b.setData(data);
  const metadata = new common.BlockMetadata();
  const list: Uint8Array[] = [
    new Uint8Array(),
    new Uint8Array(),
    Uint8Array.from(txs.map((t) => t.code ?? 0)),
    new Uint8Array(),
    new Uint8Array(),
  ];
  metadata.setMetadataList(list);
  b.setMetadata(metadata);
  return b;
}
