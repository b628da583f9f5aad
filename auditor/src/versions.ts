/**
 * One committed version of a ledger object (a gateway, a model), as the key history gives it:
 * the value written and the timestamp of the transaction that wrote it.
 */
export interface Versioned<T> {
  readonly value: T;
  readonly txId: string;
  /** Transaction timestamp (ISO, UTC). */
  readonly at: string;
}

/** Orders versions oldest first (by timestamp, then transaction id, so the order is stable). */
export function oldestFirst<T>(history: readonly Versioned<T>[]): Versioned<T>[] {
  return [...history].sort((a, b) =>
    a.at === b.at ? (a.txId < b.txId ? -1 : a.txId > b.txId ? 1 : 0) : a.at < b.at ? -1 : 1,
  );
}

/** The version in force at `time`: the latest written at or before it, or undefined. */
export function versionAt<T>(history: readonly Versioned<T>[], time: string): Versioned<T> | undefined {
  let current: Versioned<T> | undefined;
  for (const version of oldestFirst(history)) {
    if (version.at > time) {
      break;
    }
    current = version;
  }
  return current;
}
