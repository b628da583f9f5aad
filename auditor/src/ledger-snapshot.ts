import type {
  BatchEntry,
  CityLedgerEvent,
  ErasureRecord,
  ExchangeEntry,
  FlowAlertEntry,
  GatewayEntry,
  MismatchIncident,
  ModelEntry,
  PolicyEntry,
} from '@cityledger/core';
import { parseBlock, type ParsedBlock } from './block-parser';
import type { FabricSession } from './fabric-session';
import { ledgerEvents, ledgerObjects } from './ledger-objects';
import type { Versioned } from './versions';

/** Everything the chaincode wrote in blocks 0 to height - 1, by kind, in commit order. */
export interface LedgerSnapshot {
  readonly height: bigint;
  readonly records: readonly ExchangeEntry[];
  readonly flowAlerts: readonly FlowAlertEntry[];
  readonly incidents: readonly MismatchIncident[];
  readonly batches: readonly BatchEntry[];
  readonly policies: readonly PolicyEntry[];
  readonly gateways: readonly Versioned<GatewayEntry>[];
  readonly models: readonly Versioned<ModelEntry>[];
  readonly erasures: readonly ErasureRecord[];
  readonly events: readonly CityLedgerEvent[];
}

/** Collects the objects of parsed blocks, in order. */
export class SnapshotBuilder {
  readonly #records: ExchangeEntry[] = [];
  readonly #flowAlerts: FlowAlertEntry[] = [];
  readonly #incidents: MismatchIncident[] = [];
  readonly #batches: BatchEntry[] = [];
  readonly #policies: PolicyEntry[] = [];
  readonly #gateways: Versioned<GatewayEntry>[] = [];
  readonly #models: Versioned<ModelEntry>[] = [];
  readonly #erasures: ErasureRecord[] = [];
  readonly #events: CityLedgerEvent[] = [];
  #height = 0n;

  add(block: ParsedBlock): void {
    for (const tx of block.transactions) {
      for (const object of ledgerObjects(tx)) {
        const version = { txId: tx.txId, at: tx.timestamp };
        switch (object.kind) {
          case 'record':
            this.#records.push(object.value);
            break;
          case 'flowAlert':
            this.#flowAlerts.push(object.value);
            break;
          case 'incident':
            this.#incidents.push(object.value);
            break;
          case 'batch':
            this.#batches.push(object.value);
            break;
          case 'policy':
            this.#policies.push(object.value);
            break;
          case 'gateway':
            this.#gateways.push({ ...version, value: object.value });
            break;
          case 'model':
            this.#models.push({ ...version, value: object.value });
            break;
          case 'erasure':
            this.#erasures.push(object.value);
            break;
        }
      }
      this.#events.push(...ledgerEvents(tx));
    }
    this.#height = block.number + 1n;
  }

  build(): LedgerSnapshot {
    return {
      height: this.#height,
      records: this.#records,
      flowAlerts: this.#flowAlerts,
      incidents: this.#incidents,
      batches: this.#batches,
      policies: this.#policies,
      gateways: this.#gateways,
      models: this.#models,
      erasures: this.#erasures,
      events: this.#events,
    };
  }
}

/** Reads blocks 0 to height - 1 from a peer and collects what the chaincode wrote. */
export async function readSnapshot(session: FabricSession, height: bigint): Promise<LedgerSnapshot> {
  const builder = new SnapshotBuilder();
  if (height === 0n) {
    return builder.build();
  }
  const blocks = await session.blocks(0n);
  try {
    for await (const block of blocks) {
      const parsed = parseBlock(block, session.chaincode);
      builder.add(parsed);
      if (parsed.number >= height - 1n) {
        break;
      }
    }
  } finally {
    blocks.close();
  }
  return builder.build();
}
