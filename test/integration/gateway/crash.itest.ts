// SIGKILL the gateway process mid-load three times and restart it: every exchange it answered ends up
// on chain exactly once, and the chain holds exactly the records of its outbox.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { openDatabase } from '../../../gateway/src/db';
import { ClientPool, REPO_ROOT } from '../support/network';
import {
  chainRecords,
  exchangeBody,
  payloadHash,
  postExchange,
  setUpGateway,
  startGatewayProcess,
  type GatewayProcess,
  type TestGatewaySetup,
  waitFor,
} from './support';

const pool = new ClientPool();
let setup: TestGatewaySetup;
const running: GatewayProcess[] = [];

beforeAll(async () => {
  execFileSync('npx', ['tsc', '-b', 'gateway'], { cwd: REPO_ROOT, stdio: 'inherit' });
  setup = await setUpGateway(pool);
}, 300_000);

afterAll(() => {
  for (const gw of running) {
    gw.child.kill('SIGKILL');
  }
  pool.closeAll();
  rmSync(setup.dir, { recursive: true, force: true });
});

const WORKERS = 6;

interface Load {
  next: number;
  /** Exchange number → record id, for every request the gateway answered with a decision. */
  readonly answered: Map<number, string>;
  /** Requests that got no answer (the process died under them). */
  readonly unanswered: Set<number>;
  refused: number;
}

/** Posts exchanges from WORKERS loops until `stop()` says so or the connection breaks. */
async function drive(base: string, load: Load, stop: () => boolean, category: string): Promise<void> {
  const worker = async (): Promise<void> => {
    while (!stop()) {
      const n = load.next++;
      try {
        const res = await postExchange(base, exchangeBody(category, n));
        if (res.status === 200 || res.status === 403) {
          load.answered.set(n, res.recordId!);
        } else {
          load.refused += 1;
        }
      } catch {
        load.unanswered.add(n);
        return;
      }
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, worker));
}

async function ready(gw: GatewayProcess): Promise<void> {
  expect(await waitFor(async () => (await fetch(`${gw.base}/readyz`)).status === 200, 60_000)).toBe(true);
}

it('loses nothing it answered across three SIGKILLs, and commits each record once', async () => {
  const load: Load = { next: 0, answered: new Map(), unanswered: new Set(), refused: 0 };
  const leftAtKill: number[] = [];
  const unsettledRows = (): number => {
    const db = openDatabase(setup.config.dataDir);
    const row = db
      .prepare<[], { n: number }>(`SELECT COUNT(*) AS n FROM outbox WHERE state IN ('pending', 'submitting')`)
      .get();
    db.close();
    return row?.n ?? 0;
  };
  for (let round = 0; round < 3; round += 1) {
    const gw = await startGatewayProcess(setup.configFile);
    running.push(gw);
    await ready(gw);
    const target = load.answered.size + 40 + round * 15;
    let killed = false;
    const driving = drive(gw.base, load, () => killed, setup.category);
    await waitFor(() => load.answered.size >= target, 120_000, 20);
    gw.child.kill('SIGKILL');
    killed = true;
    await gw.exited;
    await driving;
    leftAtKill.push(unsettledRows());
  }
  expect(load.answered.size).toBeGreaterThanOrEqual(150);
  // The kills did land mid-flight: rows were still pending or being submitted.
  expect(leftAtKill.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);

  // Restart; the recovered outbox drains.
  const last = await startGatewayProcess(setup.configFile);
  running.push(last);
  await ready(last);
  const drained = await waitFor(
    async () => (await chainRecords(setup.steward, setup.gatewayId)).length >= load.answered.size,
    180_000,
    2_000,
  );
  expect(drained).toBe(true);
  last.child.kill('SIGTERM');
  expect(await last.exited).toBe(0);

  const onChain = await chainRecords(setup.steward, setup.gatewayId);
  const byPayload = new Map<string, number>();
  for (const entry of onChain) {
    byPayload.set(entry.record.payloadSha256, (byPayload.get(entry.record.payloadSha256) ?? 0) + 1);
  }
  // Every answered exchange once; an unanswered one at most once; nothing else.
  for (const [n, id] of load.answered) {
    expect(byPayload.get(payloadHash(n))).toBe(1);
    expect(onChain.some((e) => e.id === id)).toBe(true);
  }
  for (const n of load.unanswered) {
    expect(byPayload.get(payloadHash(n)) ?? 0).toBeLessThanOrEqual(1);
  }
  expect(onChain.length).toBeLessThanOrEqual(load.answered.size + load.unanswered.size);

  // The chain holds exactly what the outbox committed.
  const db = openDatabase(setup.config.dataDir);
  const committed = db
    .prepare<[], { id: string }>(`SELECT id FROM outbox WHERE kind = 'exchange' AND state = 'committed'`)
    .all()
    .map((r) => r.id);
  const unsettled = db
    .prepare<[], { n: number }>(`SELECT COUNT(*) AS n FROM outbox WHERE state != 'committed'`)
    .get();
  db.close();
  expect(unsettled?.n).toBe(0);
  expect(new Set(committed)).toEqual(new Set(onChain.map((e) => e.id)));
  console.log(
    `crash test: ${load.answered.size} answered, ${load.unanswered.size} unanswered at kills, ` +
      `${leftAtKill.join('/')} rows unsettled at each kill, ${onChain.length} on chain`,
  );
});
