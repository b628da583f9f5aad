// The gateway service on the real network: exchanges from HTTP become attested records on chain
// (allowed and denied), benign flows become Merkle batches anchored on chain whose inclusion proofs
// verify against the chain's roots, and suspicious/malicious flow records wait in the outbox.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  type BatchEntry,
  canonicalBytes,
  type FlowAlertEntry,
  verifyFlowAlertAttestation,
  GENESIS_ROOT,
  type InclusionProof,
  verifyAttestation,
  verifyInclusion,
} from '@cityledger/core';
import { flowFromLine } from '../../../gateway/src/flow-file';
import { retime } from '../../../gateway/src/replay-run';
import { GatewayService } from '../../../gateway/src/service';
import { ClientPool, REPO_ROOT } from '../support/network';
import {
  chainRecords,
  exchangeBody,
  payloadHash,
  postExchange,
  startTestGateway,
  stopTestGateway,
  type TestGatewaySetup,
  waitFor,
} from './support';

const pool = new ClientPool();
let setup: TestGatewaySetup;
let service: GatewayService;
let base: string;

beforeAll(async () => {
  ({ setup, service, base } = await startTestGateway(pool));
}, 180_000);

afterAll(async () => {
  await stopTestGateway(pool, { setup, service, base });
});

function sampleFlows(n: number) {
  const lines = readFileSync(path.join(REPO_ROOT, 'models', 'samples', 'flows-sample.jsonl'), 'utf8').split(
    '\n',
  );
  return lines.slice(0, n).map((l) => flowFromLine(l)!);
}

it('records allowed and denied exchanges on chain, attested with the registered key', async () => {
  const allowed = await postExchange(base, exchangeBody(setup.category, 1));
  const denied = await postExchange(base, exchangeBody(setup.category, 2, 'health'));
  expect(allowed.status).toBe(200);
  expect(denied.status).toBe(403);
  const committed = await waitFor(() => {
    const rows = [allowed, denied].map((r) => service.parts.outbox.get(r.recordId!));
    return rows.every((row) => row?.state === 'committed' || row?.state === 'rejected');
  }, 60_000);
  expect(committed).toBe(true);
  expect(service.parts.outbox.get(allowed.recordId!)).toMatchObject({ state: 'committed' });
  expect(service.parts.outbox.get(denied.recordId!)).toMatchObject({ state: 'committed' });

  const onChain = await chainRecords(setup.steward, setup.gatewayId);
  const byId = new Map(onChain.map((e) => [e.id, e]));
  expect(byId.get(allowed.recordId!)?.record).toMatchObject({
    decision: 'allow',
    payloadSha256: payloadHash(1),
  });
  expect(byId.get(denied.recordId!)?.record).toMatchObject({
    decision: 'deny',
    consumerDepartment: 'health',
  });
  expect(byId.get(denied.recordId!)?.denyReason).toBe('no-grant');
  const publicKey = service.parts.signer.publicKeyPem;
  expect(onChain.every((e) => verifyAttestation(publicKey, e.record))).toBe(true);
});

it('anchors benign flows in chained batches whose proofs verify against the roots on chain', async () => {
  // Re-timed to end now: the sample's own times are those of the data sets, years ago.
  const flows = retime(sampleFlows(400), Date.now());
  await service.parts.flows.ingest(flows);
  await service.parts.flows.drain();
  expect(service.parts.flows.stats().scored).toBe(400);
  await service.flushBatches();
  const batches = service.parts.benignLog.recentBatches(100).reverse();
  expect(batches.length).toBeGreaterThan(1);
  const anchored = await waitFor(
    () => batches.every((b) => service.parts.outbox.get(b.id)?.state === 'committed'),
    90_000,
  );
  expect(anchored).toBe(true);

  let prevRoot = GENESIS_ROOT;
  for (const local of batches) {
    const entry = await setup.steward.evaluateJson<BatchEntry>('exchange:getBatch', [
      setup.gatewayId,
      String(local.seq),
    ]);
    expect(entry.id).toBe(local.id);
    expect(entry.batch.root).toBe(local.root);
    expect(entry.batch.prevRoot).toBe(prevRoot);
    prevRoot = entry.batch.root;
  }
  // Every logged record of the first batch has a proof that leads to the root the chain holds.
  const firstSeq = batches[0]!.seq;
  const chainRoot = (
    await setup.steward.evaluateJson<BatchEntry>('exchange:getBatch', [setup.gatewayId, String(firstSeq)])
  ).batch.root;
  const ids = service.parts.db
    .prepare<[number], { id: string }>('SELECT id FROM flow_log WHERE batch_seq = ? ORDER BY leaf_index')
    .all(firstSeq)
    .map((r) => r.id);
  expect(ids.length).toBe(batches[0]!.count);
  for (const id of ids) {
    const res = await fetch(`${base}/records/${id}/proof`);
    expect(res.status).toBe(200);
    // Parsed here rather than by res.json(), so the objects are plain objects of this realm.
    const body = JSON.parse(await res.text()) as {
      record: object;
      proof: InclusionProof;
      batch: { seq: number; state: string };
    };
    expect(body.batch).toMatchObject({ seq: firstSeq, state: 'committed' });
    expect(verifyInclusion(canonicalBytes(body.record), body.proof, chainRoot)).toBe(true);
  }
});

it('commits suspicious and malicious flows as attested, pseudonymous flow alerts', async () => {
  const stats = service.parts.flows.stats();
  expect(stats.suspicious + stats.malicious).toBeGreaterThan(0);
  const { outbox } = service.parts;
  const ids = service.parts.db
    .prepare<[], { id: string }>(`SELECT id FROM outbox WHERE kind = 'flow-alert'`)
    .all()
    .map((r) => r.id);
  expect(ids).toHaveLength(stats.suspicious + stats.malicious);
  const settled = await waitFor(
    () => ids.every((id) => outbox.get(id)?.state === 'committed'),
    180_000,
    1_000,
  );
  expect(settled).toBe(true);
  // Alerts go up to submit.alertsPerTransaction to a transaction: with more alerts than that, some
  // transaction carried several, and every alert's entry names the transaction its row recorded.
  const txIds = ids.map((id) => outbox.get(id)?.txId);
  if (ids.length > 1) {
    expect(new Set(txIds).size).toBeLessThan(ids.length);
  }
  const publicKey = service.parts.signer.publicKeyPem;
  for (const id of ids.slice(0, 20)) {
    const entry = await setup.steward.evaluateJson<FlowAlertEntry>('audit:getFlowAlert', [id]);
    expect(entry).toMatchObject({ id, department: 'transport', txId: outbox.get(id)?.txId });
    expect(verifyFlowAlertAttestation(publicKey, entry.alert)).toBe(true);
    // The gateway can still say which flow the pseudonymous alert is about.
    const tuple = service.parts.flows.alertFlow(id)!;
    expect(entry.alert.flowStart).toBe(tuple.flowStart);
  }
});
