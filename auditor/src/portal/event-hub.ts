/** Fans ledger updates out to the portal's live streams (SSE connections). */
export interface LiveMessage {
  /** `alert` for a chaincode event, `block` when the index has moved past a block. */
  readonly kind: 'alert' | 'block';
  readonly data: unknown;
}

export type Listener = (message: LiveMessage) => void;

export class EventHub {
  readonly #listeners = new Set<Listener>();

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  publish(message: LiveMessage): void {
    for (const listener of this.#listeners) {
      listener(message);
    }
  }

  get size(): number {
    return this.#listeners.size;
  }
}
