import { common, ledger, peer } from '@hyperledger/fabric-protos';

/** One key written by a transaction in the chaincode's namespace; `value` undefined for a delete. */
export interface TxWrite {
  readonly key: string;
  readonly value: Buffer | undefined;
}

export interface TxEvent {
  readonly name: string;
  readonly payload: Buffer;
}

/** An endorser transaction of a block, reduced to what the auditor reads. */
export interface ParsedTransaction {
  readonly txId: string;
  /** The transaction's timestamp (the one chaincode sees), ISO UTC. */
  readonly timestamp: string;
  /** Position in the block. */
  readonly index: number;
  readonly validationCode: number;
  /** True when the peers committed it (validation code VALID). */
  readonly valid: boolean;
  readonly writes: readonly TxWrite[];
  readonly events: readonly TxEvent[];
}

export interface ParsedBlock {
  readonly number: bigint;
  /** The header's data hash (hex): tells this block from a block of the same number on another chain. */
  readonly dataHash?: string;
  readonly transactions: readonly ParsedTransaction[];
}

function bytes(value: Uint8Array | string): Uint8Array {
  return typeof value === 'string' ? Buffer.from(value, 'base64') : value;
}

function isoFromTimestamp(ts: { getSeconds(): number; getNanos(): number } | undefined): string {
  if (ts === undefined) {
    return new Date(0).toISOString();
  }
  return new Date(ts.getSeconds() * 1000 + Math.floor(ts.getNanos() / 1_000_000)).toISOString();
}

/** Writes of `namespace` in one chaincode action's read-write set. */
function namespaceWrites(results: Uint8Array, namespace: string): TxWrite[] {
  const rwset = ledger.rwset.TxReadWriteSet.deserializeBinary(results);
  const writes: TxWrite[] = [];
  for (const ns of rwset.getNsRwsetList()) {
    if (ns.getNamespace() !== namespace) {
      continue;
    }
    const kv = ledger.rwset.kvrwset.KVRWSet.deserializeBinary(bytes(ns.getRwset()));
    for (const w of kv.getWritesList()) {
      writes.push({ key: w.getKey(), value: w.getIsDelete() ? undefined : Buffer.from(w.getValue_asU8()) });
    }
  }
  return writes;
}

function chaincodeActions(payload: common.Payload): peer.ChaincodeAction[] {
  const transaction = peer.Transaction.deserializeBinary(bytes(payload.getData()));
  return transaction.getActionsList().map((action) => {
    const actionPayload = peer.ChaincodeActionPayload.deserializeBinary(bytes(action.getPayload()));
    const endorsed = actionPayload.getAction();
    const responsePayload = peer.ProposalResponsePayload.deserializeBinary(
      bytes(endorsed?.getProposalResponsePayload() ?? new Uint8Array()),
    );
    return peer.ChaincodeAction.deserializeBinary(responsePayload.getExtension_asU8());
  });
}

function parseTransaction(
  envelopeBytes: Uint8Array,
  index: number,
  validationCode: number,
  namespace: string,
): ParsedTransaction | undefined {
  const envelope = common.Envelope.deserializeBinary(envelopeBytes);
  const payload = common.Payload.deserializeBinary(bytes(envelope.getPayload()));
  const header = payload.getHeader();
  if (header === undefined) {
    return undefined;
  }
  const channelHeader = common.ChannelHeader.deserializeBinary(bytes(header.getChannelHeader()));
  if (channelHeader.getType() !== common.HeaderType.ENDORSER_TRANSACTION) {
    return undefined;
  }
  const writes: TxWrite[] = [];
  const events: TxEvent[] = [];
  for (const action of chaincodeActions(payload)) {
    writes.push(...namespaceWrites(bytes(action.getResults()), namespace));
    const eventBytes = bytes(action.getEvents());
    if (eventBytes.length > 0) {
      const event = peer.ChaincodeEvent.deserializeBinary(eventBytes);
      if (event.getChaincodeId() === namespace && event.getEventName() !== '') {
        events.push({ name: event.getEventName(), payload: Buffer.from(event.getPayload_asU8()) });
      }
    }
  }
  return {
    txId: channelHeader.getTxId(),
    timestamp: isoFromTimestamp(
      channelHeader.getTimestamp() as unknown as { getSeconds(): number; getNanos(): number } | undefined,
    ),
    index,
    validationCode,
    valid: validationCode === peer.TxValidationCode.VALID,
    writes,
    events,
  };
}

/**
 * The endorser transactions of a block with their validation code, the writes they made in the
 * chaincode's namespace and the chaincode events they emitted. Config transactions are skipped.
 */
export function parseBlock(block: common.Block, namespace: string): ParsedBlock {
  const header = block.getHeader();
  const number = BigInt(header?.getNumber() ?? 0);
  const metadata = block.getMetadata()?.getMetadataList() ?? [];
  const filter = bytes(metadata[common.BlockMetadataIndex.TRANSACTIONS_FILTER] ?? new Uint8Array());
  const transactions: ParsedTransaction[] = [];
  const data = block.getData()?.getDataList() ?? [];
  data.forEach((envelope, index) => {
    const code = filter[index] ?? peer.TxValidationCode.NOT_VALIDATED;
    const tx = parseTransaction(bytes(envelope), index, code, namespace);
    if (tx !== undefined) {
      transactions.push(tx);
    }
  });
  const dataHash = Buffer.from(header?.getDataHash_asU8() ?? new Uint8Array()).toString('hex');
  return { number, dataHash, transactions };
}
