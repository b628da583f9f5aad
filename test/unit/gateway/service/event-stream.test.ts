import { Readable } from 'node:stream';
import type { CloseableAsyncIterable } from '@hyperledger/fabric-gateway';
import { readEagerly } from '../../../../gateway/src/event-stream';

/** Like fabric-gateway's event iterables: a Node readable (a gRPC server stream) behind them. */
function iterableOf(stream: Readable): CloseableAsyncIterable<unknown> & { closed: () => boolean } {
  let closed = false;
  return {
    [Symbol.asyncIterator]: () => stream[Symbol.asyncIterator](),
    close: () => {
      closed = true;
      stream.destroy();
    },
    [Symbol.dispose]: () => undefined,
    closed: () => closed,
  };
}

describe('readEagerly', () => {
  it('turns a failure before the first read into a rejection of that read, not an unhandled error', async () => {
    const stream = new Readable({ objectMode: true, read: () => undefined });
    const events = readEagerly(iterableOf(stream));
    // The connection fails on its own, whether anyone reads or not (as a gRPC stream does).
    setTimeout(() => stream.destroy(new Error('14 UNAVAILABLE: connection refused')), 5);
    // The consumer is busy elsewhere while the stream fails.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const iterator = events[Symbol.asyncIterator]();
    await expect(iterator.next()).rejects.toThrow('UNAVAILABLE');
  });

  it('hands over every element in order, and closes the stream', async () => {
    const source = iterableOf(Readable.from([1, 2, 3]));
    const events = readEagerly(source);
    const seen: unknown[] = [];
    for await (const e of events) {
      seen.push(e);
    }
    expect(seen).toEqual([1, 2, 3]);
    events.close();
    expect(source.closed()).toBe(true);
  });
});
