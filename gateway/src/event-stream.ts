import type { CloseableAsyncIterable } from '@hyperledger/fabric-gateway';

/**
 * Starts reading an event stream at once, so that a stream that fails before its consumer begins to
 * iterate (e.g. the peer is down while the consumer awaits something else first) does not emit an
 * unhandled 'error' — which would crash the process. The first result (or failure) is kept and handed
 * to the consumer's first `next()`; everything after comes straight from the stream.
 */
export function readEagerly<T>(events: CloseableAsyncIterable<T>): CloseableAsyncIterable<T> {
  const inner = events[Symbol.asyncIterator]();
  let first: Promise<IteratorResult<T>> | undefined = inner.next();
  first.catch(() => undefined);
  const iterator: AsyncIterator<T> = {
    next: () => {
      const pending = first;
      first = undefined;
      return pending ?? inner.next();
    },
    return: (value?: unknown) =>
      inner.return?.(value) ?? Promise.resolve({ done: true, value: undefined as unknown as T }),
  };
  return {
    [Symbol.asyncIterator]: () => iterator,
    close: () => {
      events.close();
    },
    [Symbol.dispose]: () => {
      events.close();
    },
  };
}
