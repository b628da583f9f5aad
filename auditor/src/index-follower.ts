import type { CloseableAsyncIterable } from '@hyperledger/fabric-gateway';
import type { common } from '@hyperledger/fabric-protos';
import { parseBlock } from './block-parser';
import type { IndexedEvent, LedgerIndex } from './ledger-index';

/** Where blocks come from (FabricSession implements it). */
export interface BlockSource {
  readonly chaincode: string;
  height(): Promise<bigint>;
  blocks(startBlock: bigint): Promise<CloseableAsyncIterable<common.Block>>;
  /** The header of a block, to check that the index was built from this chain. */
  blockHeader?(number: bigint): Promise<{ readonly dataHash: string }>;
}

export interface FollowerLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface FollowerOptions {
  /** Called with each block's events once they are in the index. */
  readonly onEvents?: (events: readonly IndexedEvent[], block: bigint) => void;
  readonly log?: FollowerLog;
  /** Wait before reconnecting after a failure, doubled up to maxRetryMs. */
  readonly retryMs?: number;
  readonly maxRetryMs?: number;
}

const quiet: FollowerLog = { info: () => undefined, warn: () => undefined };

/**
 * Feeds the index from the block stream, resuming at the index's checkpoint: after a restart, a
 * lost connection or a crash, no block is skipped or applied twice.
 */
export class IndexFollower {
  readonly #index: LedgerIndex;
  readonly #source: BlockSource;
  readonly #options: FollowerOptions;
  #stream: CloseableAsyncIterable<common.Block> | undefined;
  #stopped = false;
  #wake: (() => void) | undefined;

  constructor(index: LedgerIndex, source: BlockSource, options: FollowerOptions = {}) {
    this.#index = index;
    this.#source = source;
    this.#options = options;
  }

  /**
   * Empties the index when its last block is not the peer's block of that number: the network was
   * recreated (a new chain), so the checkpoint means nothing there. Returns true when it reset.
   */
  async resetIfOtherChain(): Promise<boolean> {
    const next = this.#index.nextBlock();
    const known = this.#index.lastDataHash();
    if (next === 0n || known === '' || this.#source.blockHeader === undefined) {
      return false;
    }
    let header: { dataHash: string } | undefined;
    try {
      header = await this.#source.blockHeader(next - 1n);
    } catch {
      header = undefined; // The block does not exist on this chain: it is shorter, so another one.
    }
    if (header?.dataHash === known) {
      return false;
    }
    (this.#options.log ?? quiet).warn(
      { block: (next - 1n).toString() },
      'the index was built from another chain (network recreated?); rebuilding from block 0',
    );
    this.#index.reset();
    return true;
  }

  /** Reads blocks from the checkpoint until `height` (exclusive); returns the blocks applied. */
  async syncTo(height: bigint): Promise<number> {
    await this.resetIfOtherChain();
    let applied = 0;
    const start = this.#index.nextBlock();
    if (start >= height) {
      return 0;
    }
    const stream = await this.#source.blocks(start);
    try {
      for await (const block of stream) {
        const n = this.#apply(block);
        applied += 1;
        if (n >= height - 1n) {
          break;
        }
      }
    } finally {
      stream.close();
    }
    return applied;
  }

  #apply(block: common.Block): bigint {
    const parsed = parseBlock(block, this.#source.chaincode);
    if (parsed.number !== this.#index.nextBlock()) {
      throw new Error(`block ${parsed.number} arrived, expected ${this.#index.nextBlock()}`);
    }
    const events = this.#index.apply(parsed);
    this.#options.onEvents?.(events, parsed.number);
    return parsed.number;
  }

  /** Follows new blocks until stop(); reconnects with backoff after failures. */
  async run(): Promise<void> {
    const log = this.#options.log ?? quiet;
    let retry = this.#options.retryMs ?? 1000;
    // A wait that stop() cuts short.
    const pause = (ms: number): Promise<void> =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    while (!this.#stopped) {
      try {
        await this.resetIfOtherChain();
        const start = this.#index.nextBlock();
        this.#stream = await this.#source.blocks(start);
        log.info({ block: start.toString() }, 'following blocks');
        for await (const block of this.#stream) {
          this.#apply(block);
          retry = this.#options.retryMs ?? 1000;
        }
        if (!this.stopped) {
          log.warn({ retryMs: retry }, 'block stream ended; reconnecting');
          await pause(retry);
        }
      } catch (err) {
        if (this.stopped) {
          break;
        }
        log.warn(
          { err: err instanceof Error ? err.message : String(err), retryMs: retry },
          'block stream failed; reconnecting',
        );
        await pause(retry);
        retry = Math.min(retry * 2, this.#options.maxRetryMs ?? 30_000);
      } finally {
        this.#stream?.close();
        this.#stream = undefined;
      }
    }
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  stop(): void {
    this.#stopped = true;
    this.#stream?.close();
    this.#wake?.();
  }
}
