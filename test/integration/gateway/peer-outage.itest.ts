// Stop the department's peer for 30 s under load, then restart it: the HTTP API keeps accepting into
// the outbox, the submitter retries with backoff, and once the peer is back everything drains.
import { GatewayService } from '../../../gateway/src/service';
import { ClientPool, networkCommand } from '../support/network';
import {
  chainRecords,
  exchangeBody,
  postExchange,
  startTestGateway,
  stopTestGateway,
  type TestGatewaySetup,
  waitFor,
} from './support';

const PEER = 'peer0-transport';
const pool = new ClientPool();
let setup: TestGatewaySetup;
let service: GatewayService;
let base: string;
let peerStopped = false;

beforeAll(async () => {
  ({ setup, service, base } = await startTestGateway(pool));
}, 180_000);

afterAll(async () => {
  if (peerStopped) {
    networkCommand('start-node', PEER);
  }
  await stopTestGateway(pool, { setup, service, base });
});

it('accepts during a 30 s peer outage and drains everything afterwards', async () => {
  const answered = new Map<number, string>();
  const duringOutage: number[] = [];
  let next = 0;
  let stop = false;
  const worker = async (): Promise<void> => {
    while (!stop) {
      const n = next++;
      const res = await postExchange(base, exchangeBody(setup.category, n));
      expect([200, 403]).toContain(res.status);
      answered.set(n, res.recordId!);
      if (peerStopped) {
        duringOutage.push(n);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const load = Promise.all(Array.from({ length: 3 }, worker));
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  networkCommand('stop-node', PEER);
  peerStopped = true;
  await new Promise((resolve) => setTimeout(resolve, 30_000));
  const backlog = service.parts.outbox.unsettled();
  networkCommand('start-node', PEER);
  peerStopped = false;
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  stop = true;
  await load;

  expect(duringOutage.length).toBeGreaterThan(20);
  expect(backlog).toBeGreaterThan(10);
  expect(await service.parts.metrics.text()).toMatch(
    /cityledger_gateway_submit_retries_total\{code="UNAVAILABLE"\} [1-9]/,
  );
  const restartedAt = Date.now();
  const drained = await waitFor(() => service.parts.outbox.unsettled() === 0, 180_000, 1_000);
  console.log(
    `peer outage: ${answered.size} answered (${duringOutage.length} during the outage), ` +
      `backlog ${backlog} at restart, drained ${((Date.now() - restartedAt) / 1000).toFixed(1)} s after the load stopped`,
  );
  expect(drained).toBe(true);
  const counts = service.parts.outbox.counts();
  expect(counts).toMatchObject({ committed: answered.size, rejected: 0 });
  const onChain = new Set((await chainRecords(setup.steward, setup.gatewayId)).map((e) => e.id));
  expect([...answered.values()].every((id) => onChain.has(id))).toBe(true);
  expect(onChain.size).toBe(answered.size);
}, 400_000);
