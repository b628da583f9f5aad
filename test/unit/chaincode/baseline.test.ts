import './quiet-logs';
import { BaselineContract } from '../../../chaincode/src';
import { expectCode } from './expect-code';
import { FakeNetwork } from './fake-context';
import { who } from './world';

/** The benchmark-only contract: one bare putState under `baseline~`, nothing else. */
describe('baseline:put', () => {
  const baseline = new BaselineContract();

  it('writes the value under baseline~<key> and nothing else, for any member', async () => {
    const net = new FakeNetwork();
    for (const [i, as] of [who.healthGateway, who.transportSteward, who.auditor].entries()) {
      const res = await net.submit(baseline, 'put', [`k-${i}`, 'x'.repeat(3000)], { as });
      expect(res.payload).toBe(`k-${i}`);
      expect([...res.stub.writes.keys()]).toEqual([`baseline~k-${i}`]);
      expect(res.stub.reads).toBe(0);
      expect(res.event).toBeUndefined();
    }
    expect(net.ledger.state.get('baseline~k-0')?.toString()).toBe('x'.repeat(3000));
  });

  it('keeps keys in its own namespace and bounds the value', async () => {
    const net = new FakeNetwork();
    for (const key of ['', 'a~b', 'a/b', 'a b', 'x'.repeat(65)]) {
      await expectCode(
        net.submit(baseline, 'put', [key, 'v'], { as: who.healthGateway }),
        'INVALID_ARGUMENT',
      );
    }
    await expectCode(
      net.submit(baseline, 'put', ['k', 'x'.repeat(8193)], { as: who.healthGateway }),
      'PAYLOAD_TOO_LARGE',
    );
    expect(net.ledger.state.size).toBe(0);
  });

  it('refuses callers outside the consortium with UNAUTHORIZED', async () => {
    const net = new FakeNetwork();
    await expectCode(net.submit(baseline, 'put', ['k', 'v'], { as: who.outsider }), 'UNAUTHORIZED');
  });
});
