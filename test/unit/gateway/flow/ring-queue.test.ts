import { RingQueue } from '../../../../gateway/src/flow/ring-queue';

describe('RingQueue', () => {
  it('keeps order across wrap-around and refuses when full', () => {
    const q = new RingQueue<number>(3);
    expect([q.push(1), q.push(2), q.push(3), q.push(4)]).toEqual([true, true, true, false]);
    expect(q.shift()).toBe(1);
    expect(q.push(5)).toBe(true);
    expect([q.shift(), q.shift(), q.shift(), q.shift()]).toEqual([2, 3, 5, undefined]);
    expect(q.size).toBe(0);
  });

  it('rejects a capacity below 1', () => {
    expect(() => new RingQueue(0)).toThrow(RangeError);
  });
});
