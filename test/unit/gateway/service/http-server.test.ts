import {
  type AccessPolicy,
  type ExchangeRecord,
  canonicalBytes,
  decide,
  recordId,
  sha256Hex,
  verifyAttestation,
  verifyInclusion,
} from '@cityledger/core';
import type { FastifyInstance } from 'fastify';
import { BenignLog } from '../../../../gateway/src/benign-log';
import { openDatabaseFile, type Db } from '../../../../gateway/src/db';
import { ExchangeIntake, NO_POLICY_VERSION } from '../../../../gateway/src/exchange-intake';
import { buildHttpServer, type Readiness } from '../../../../gateway/src/http-server';
import { GatewayMetrics } from '../../../../gateway/src/metrics';
import { Outbox } from '../../../../gateway/src/outbox';
import type { EdgeDecision, PolicySource } from '../../../../gateway/src/ports';
import { ThreatBoard } from '../../../../gateway/src/threat-board';
import { benignRecord, testSigner } from './fixtures';
import { httpRequest, ManualClock, memoryLogger } from './helpers';

/** Policies held in memory, decided with core's decide(); no policy → deny (as the policy cache does). */
class StaticPolicies implements PolicySource {
  constructor(readonly policies: Map<string, AccessPolicy>) {}
  decisionFor(request: Parameters<PolicySource['decisionFor']>[0], at: string): EdgeDecision {
    const policy = this.policies.get(request.category);
    if (policy === undefined) {
      return { allow: false, reason: 'no-policy', message: 'no policy known', policyVersion: undefined };
    }
    const d = decide(policy, request, at);
    return d.allow
      ? { allow: true, policyVersion: policy.version }
      : { allow: false, reason: d.reason, message: d.message, policyVersion: policy.version };
  }
}

const POLICY: AccessPolicy = {
  category: 'transport/traffic-counts',
  version: 3,
  grants: [
    {
      grantee: 'energy',
      purposes: ['load-forecast'],
      validFrom: '2026-01-01T00:00:00.000Z',
      validUntil: '2027-01-01T00:00:00.000Z',
      maxVerdict: 'suspicious',
    },
  ],
};

const MAX_PAYLOAD = 1_024;

function exchange(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    sourceDepartment: 'transport',
    consumerDepartment: 'energy',
    category: 'transport/traffic-counts',
    purpose: 'load-forecast',
    payload: Buffer.from('counts: 42 cars/min').toString('base64'),
    ...overrides,
  };
}

describe('HTTP API', () => {
  let db: Db;
  let clock: ManualClock;
  let outbox: Outbox;
  let threats: ThreatBoard;
  let benignLog: BenignLog;
  let metrics: GatewayMetrics;
  let app: FastifyInstance;
  let readiness: Readiness;
  let accepted: number;
  const signer = testSigner();

  function build(maxDepth = 100): FastifyInstance {
    const intake = new ExchangeIntake({
      gatewayId: 'transport-gw-1',
      department: 'transport',
      modelId: 'flow-classifier',
      modelVersion: '1.0.0',
      policy: new StaticPolicies(new Map([[POLICY.category, POLICY]])),
      threats,
      signer,
      outbox,
      clock,
    });
    return buildHttpServer({
      intake,
      outbox,
      benignLog,
      metrics,
      logger: memoryLogger('warn').logger,
      maxDepth,
      retryAfterSeconds: 7,
      maxPayloadBytes: MAX_PAYLOAD,
      batchWaitSeconds: 10,
      readiness: () => readiness,
      onAccepted: () => {
        accepted += 1;
      },
    });
  }

  beforeEach(() => {
    db = openDatabaseFile(':memory:');
    clock = new ManualClock();
    outbox = new Outbox(db, clock);
    threats = new ThreatBoard({ windowMs: 60_000, thresholds: { suspicious: 0.4, malicious: 0.9 } });
    benignLog = new BenignLog({
      db,
      outbox,
      signer,
      clock,
      gatewayId: 'transport-gw-1',
      policy: { maxRecords: 4, maxWaitMs: 1_000 },
    });
    metrics = new GatewayMetrics();
    readiness = { ready: true, checks: { outbox: true } };
    accepted = 0;
    app = build();
  });
  afterEach(async () => {
    await app.close();
    if (db.open) {
      db.close();
    }
  });

  function storedRecord(id: string): ExchangeRecord {
    return JSON.parse(outbox.get(id)!.payload) as ExchangeRecord;
  }

  it('records an allowed exchange durably before answering, hashing the payload locally', async () => {
    const res = await httpRequest(app, { method: 'POST', url: '/exchanges', payload: exchange() });
    expect(res.statusCode).toBe(200);
    const body = res.json<{
      decision: string;
      recordId: string;
      policyVersion: number;
      duplicate: boolean;
    }>();
    expect(body).toMatchObject({ decision: 'allow', policyVersion: 3, verdict: 'benign', duplicate: false });
    const record = storedRecord(body.recordId);
    expect(recordId(record)).toBe(body.recordId);
    expect(record).toMatchObject({
      gatewayId: 'transport-gw-1',
      payloadSha256: sha256Hex('counts: 42 cars/min'),
      payloadSize: 19,
      observedAt: '2026-03-01T10:00:00.000Z',
      decision: 'allow',
    });
    expect(verifyAttestation(signer.publicKeyPem, record)).toBe(true);
    expect(outbox.get(body.recordId)?.payload).not.toContain('42 cars');
    expect(accepted).toBe(1);
  });

  it('accepts a payload given by hash and size', async () => {
    const hash = sha256Hex('big file kept at the edge');
    const payload = exchange({ payload: undefined, payloadSha256: hash, payloadSize: 10_000_000 });
    const res = await httpRequest(app, { method: 'POST', url: '/exchanges', payload });
    expect(res.statusCode).toBe(200);
    expect(storedRecord(res.json<{ recordId: string }>().recordId)).toMatchObject({
      payloadSha256: hash,
      payloadSize: 10_000_000,
    });
  });

  it('blocks and records a denied exchange', async () => {
    const res = await httpRequest(app, {
      method: 'POST',
      url: '/exchanges',
      payload: exchange({ consumerDepartment: 'health' }),
    });
    expect(res.statusCode).toBe(403);
    const body = res.json<{ code: string; decision: string; reason: string; recordId: string }>();
    expect(body).toMatchObject({ code: 'POLICY_DENIED', decision: 'deny', reason: 'no-grant' });
    expect(storedRecord(body.recordId)).toMatchObject({
      decision: 'deny',
      consumerDepartment: 'health',
      policyVersion: 3,
    });
  });

  it('denies when no policy is known for the category (fail closed)', async () => {
    const res = await httpRequest(app, {
      method: 'POST',
      url: '/exchanges',
      payload: exchange({ category: 'transport/cameras' }),
    });
    expect(res.statusCode).toBe(403);
    const body = res.json<{ reason: string; recordId: string }>();
    expect(body.reason).toBe('no-policy');
    expect(storedRecord(body.recordId)).toMatchObject({ decision: 'deny', policyVersion: NO_POLICY_VERSION });
  });

  it('denies data from a host whose recent flows scored above the grant’s maxVerdict', async () => {
    threats.note('10.1.2.3', 0.95, clock.now());
    const fromBadHost = await httpRequest(app, {
      method: 'POST',
      url: '/exchanges',
      payload: exchange({ sourceAddress: '10.1.2.3' }),
    });
    expect(fromBadHost.statusCode).toBe(403);
    const body = fromBadHost.json<{ reason: string; recordId: string }>();
    expect(body.reason).toBe('verdict-too-high');
    expect(storedRecord(body.recordId)).toMatchObject({ verdict: 'malicious', threatScore: 0.95 });
    // Without sourceAddress, the HTTP client's own address is assessed.
    threats.note('127.0.0.1', 0.5, clock.now());
    const fromClient = await httpRequest(app, { method: 'POST', url: '/exchanges', payload: exchange() });
    expect(fromClient.json()).toMatchObject({ decision: 'allow', verdict: 'suspicious', threatScore: 0.5 });
    clock.advance(60_000);
    const later = await httpRequest(app, {
      method: 'POST',
      url: '/exchanges',
      payload: exchange({ sourceAddress: '10.1.2.3' }),
    });
    expect(later.statusCode).toBe(200);
  });

  it.each([
    ['a missing field', exchange({ purpose: undefined }), 'exchange.purpose is required'],
    ['an unknown field', exchange({ priority: 'high' }), 'exchange.priority is not an allowed field'],
    [
      'an unknown department',
      exchange({ consumerDepartment: 'police' }),
      'exchange.consumerDepartment must be one of',
    ],
    ['both payload and hash', exchange({ payloadSha256: sha256Hex('x'), payloadSize: 1 }), 'either payload'],
    ['neither payload nor hash', exchange({ payload: undefined }), 'either payload'],
    ['a payload that is not base64', exchange({ payload: 'not base64!' }), 'exchange.payload must be base64'],
    [
      'a hash that is not sha256',
      exchange({ payload: undefined, payloadSha256: 'abc', payloadSize: 1 }),
      'payloadSha256',
    ],
    [
      'another department’s data',
      exchange({ sourceDepartment: 'health', category: 'health/beds' }),
      'releases transport data only',
    ],
    [
      'a category owned by another department',
      exchange({ category: 'energy/load' }),
      'the owner of energy/load',
    ],
    [
      'the same department on both sides',
      exchange({ consumerDepartment: 'transport' }),
      'must differ from sourceDepartment',
    ],
    ['a malformed purpose', exchange({ purpose: 'Load Forecast' }), 'exchange.purpose must match'],
    ['a body that is not an object', [1, 2], 'exchange must be a JSON object'],
  ])('answers 400 INVALID_ARGUMENT for %s and writes nothing', async (_what, payload, message) => {
    const res = await httpRequest(app, { method: 'POST', url: '/exchanges', payload });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(res.json<{ message: string }>().message).toContain(message);
    expect(outbox.counts().pending).toBe(0);
    expect(accepted).toBe(0);
  });

  it('answers 400 for a body that is not JSON', async () => {
    const res = await httpRequest(app, {
      method: 'POST',
      url: '/exchanges',
      headers: { 'content-type': 'application/json' },
      payload: '{"sourceDepartment": ',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(outbox.counts().pending).toBe(0);
  });

  it('answers 413 PAYLOAD_TOO_LARGE for an oversized payload, whether the body fits the limit or not', async () => {
    const justOver = exchange({ payload: Buffer.alloc(MAX_PAYLOAD + 1, 7).toString('base64') });
    const res = await httpRequest(app, { method: 'POST', url: '/exchanges', payload: justOver });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    const huge = exchange({ payload: Buffer.alloc(64 * MAX_PAYLOAD, 7).toString('base64') });
    const res2 = await httpRequest(app, { method: 'POST', url: '/exchanges', payload: huge });
    expect(res2.statusCode).toBe(413);
    expect(res2.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    const atLimit = exchange({ payload: Buffer.alloc(MAX_PAYLOAD, 7).toString('base64') });
    expect((await httpRequest(app, { method: 'POST', url: '/exchanges', payload: atLimit })).statusCode).toBe(
      200,
    );
    expect(outbox.counts().pending).toBe(1);
  });

  it('answers 503 with Retry-After, and writes nothing, when the outbox is over its bound', async () => {
    await app.close();
    app = build(3);
    outbox.accept([1, 2, 3].map((i) => ({ id: `x${i}`, kind: 'exchange' as const, payload: '{}' })));
    const res = await httpRequest(app, { method: 'POST', url: '/exchanges', payload: exchange() });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('7');
    expect(res.json()).toMatchObject({ code: 'UNAVAILABLE' });
    expect(outbox.counts().pending).toBe(3);
    expect(await metrics.text()).toContain(
      'cityledger_gateway_overload_rejections_total{endpoint="exchanges"} 1',
    );
    // Once the submitter settles a row, intake resumes.
    const [claimed] = outbox.claim(1, ['exchange']);
    outbox.markCommitted(claimed!.id, { txId: 't', block: 1, duplicate: false });
    expect(
      (await httpRequest(app, { method: 'POST', url: '/exchanges', payload: exchange() })).statusCode,
    ).toBe(200);
  });

  it('answers 500 and not a decision when the record cannot be stored', async () => {
    db.close();
    const res = await httpRequest(app, { method: 'POST', url: '/exchanges', payload: exchange() });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({
      code: 'INTERNAL',
      message: 'INTERNAL: unexpected failure; see the gateway log',
    });
    expect(accepted).toBe(0);
  });

  it('tells the state of a record, and serves logged records with a proof that verifies', async () => {
    const posted = await httpRequest(app, { method: 'POST', url: '/exchanges', payload: exchange() });
    const id = posted.json<{ recordId: string }>().recordId;
    const status = await httpRequest(app, { method: 'GET', url: `/records/${id}` });
    expect(status.json()).toMatchObject({ id, kind: 'exchange', state: 'pending' });
    expect(status.json()).not.toHaveProperty('payload');

    const logged = Array.from({ length: 5 }, (_, i) => benignRecord(i, clock.now()));
    const ids = benignLog.append(logged);
    await benignLog.cutDue();
    const proofRes = await httpRequest(app, { method: 'GET', url: `/records/${ids[2]}/proof` });
    expect(proofRes.statusCode).toBe(200);
    const proof = proofRes.json<{
      record: object;
      proof: { index: number; size: number; path: string[] };
      batchId: string;
      batch: { root: string; seq: number; state: string };
    }>();
    expect(proof.batch).toMatchObject({ seq: 1, state: 'pending' });
    expect(verifyInclusion(canonicalBytes(proof.record), proof.proof, proof.batch.root)).toBe(true);
    const waiting = await httpRequest(app, { method: 'GET', url: `/records/${ids[4]}/proof` });
    expect(waiting.statusCode).toBe(404);
    expect(waiting.headers['retry-after']).toBe('10');
    expect(
      (await httpRequest(app, { method: 'GET', url: `/records/${'a'.repeat(64)}/proof` })).statusCode,
    ).toBe(404);
    expect((await httpRequest(app, { method: 'GET', url: '/records/not-an-id/proof' })).json()).toMatchObject(
      {
        code: 'INVALID_ARGUMENT',
      },
    );
    expect((await httpRequest(app, { method: 'GET', url: `/records/${ids[0]}` })).json()).toMatchObject({
      kind: 'benign-log',
    });
  });

  it('serves health, readiness and metrics', async () => {
    expect((await httpRequest(app, { method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await httpRequest(app, { method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    readiness = { ready: false, checks: { outbox: true, policies: false } };
    const notReady = await httpRequest(app, { method: 'GET', url: '/readyz' });
    expect(notReady.statusCode).toBe(503);
    expect(notReady.json()).toEqual(readiness);
    await httpRequest(app, { method: 'POST', url: '/exchanges', payload: exchange() });
    const m = await httpRequest(app, { method: 'GET', url: '/metrics' });
    expect(m.headers['content-type']).toContain('text/plain');
    expect(m.body).toContain('cityledger_gateway_exchanges_total{decision="allow"} 1');
    expect((await httpRequest(app, { method: 'GET', url: '/nope' })).json()).toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});
