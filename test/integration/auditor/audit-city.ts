// A corner of the real ledger for the auditor tests: a department steward registers a gateway
// with an attestation key, a model and a policy; the gateway identity submits signed records and
// anchors Merkle batches. A small HTTP server plays the gateway's proof endpoint.
import { type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  GENESIS_ROOT,
  MerkleTree,
  batchLeafData,
  buildBatch,
  recordId,
  signAttestation,
  signBatchAttestation,
  type BatchEntry,
  type ExchangeContent,
  type ExchangeEntry,
  type ExchangeOutcome,
  type ExchangeRecord,
  type ModelSpec,
  type PolicyEntry,
} from '@cityledger/core';
import type { LedgerClient } from '@cityledger/client';
import { registerTestGateway, uniqueId } from '../support/gateway-identity';
import { exchangeContent, privatePem, testModel, testPolicy } from '../support/ledger-fixtures';
import type { ClientPool } from '../support/network';

export interface AuditCity {
  readonly steward: LedgerClient;
  readonly gateway: LedgerClient;
  readonly gatewayId: string;
  readonly zone: string;
  readonly key: KeyObject;
  readonly privateKeyPem: string;
  readonly model: ModelSpec;
  readonly category: string;
  readonly policy: PolicyEntry;
  content(overrides?: Partial<ExchangeContent>): ExchangeContent;
  sign(content: ExchangeContent): ExchangeRecord;
  submit(record: ExchangeRecord): Promise<ExchangeOutcome>;
  /** Submits a record that must be accepted; the entry stored for it (read back: the reply has only its id). */
  record(record: ExchangeRecord): Promise<ExchangeEntry>;
  /** Builds, signs and anchors a batch over `records`, chained to `prevRoot`. */
  anchor(records: readonly ExchangeContent[], prevRoot: string): Promise<BatchEntry>;
}

export async function buildAuditCity(pool: ClientPool): Promise<AuditCity> {
  const steward = pool.as('health', 'steward');
  const gateway = pool.as('health', 'gateway');
  const zone = uniqueId('zone');
  const { registration, attestationKey } = await registerTestGateway(steward, gateway, 'health', zone);
  const model = testModel('audit-model');
  await steward.submit('models:registerModel', [JSON.stringify(model)]);
  const category = uniqueId('health/audit');
  const policy = await steward.submitJson<PolicyEntry>('policies:putPolicy', [
    JSON.stringify(testPolicy(category)),
  ]);
  const key = privatePem(attestationKey);
  const submit = (record: ExchangeRecord): Promise<ExchangeOutcome> =>
    gateway.submitJson<ExchangeOutcome>('exchange:recordExchange', [JSON.stringify(record)]);
  const origin = { gatewayId: registration.id, department: 'health' as const, category, model };
  const content = (overrides: Partial<ExchangeContent> = {}): ExchangeContent =>
    exchangeContent(origin, overrides);
  return {
    steward,
    gateway,
    gatewayId: registration.id,
    zone,
    key: attestationKey,
    privateKeyPem: key,
    model,
    category,
    policy,
    content,
    sign: (c) => ({ ...c, signature: signAttestation(key, c) }),
    submit,
    record: async (record) => {
      const outcome = await submit(record);
      if (!outcome.accepted) {
        throw new Error(`record not accepted: ${JSON.stringify(outcome)}`);
      }
      const { erased: _erased, ...entry } = await gateway.evaluateJson<ExchangeEntry & { erased: boolean }>(
        'audit:getRecord',
        [outcome.id],
      );
      return entry;
    },
    anchor: async (records, prevRoot = GENESIS_ROOT) => {
      const built = buildBatch(registration.id, prevRoot, records);
      const anchor = { ...built, signature: signBatchAttestation(key, built) };
      const outcome = await gateway.submitJson<{ entry: BatchEntry }>('exchange:anchorBatch', [
        JSON.stringify(anchor),
      ]);
      return outcome.entry;
    },
  };
}

/** What the test gateway serves for one logged record. */
export interface LoggedProof {
  readonly record: ExchangeContent;
  readonly batch: { readonly id: string; readonly seq: number; readonly root: string };
  readonly proof: { readonly index: number; readonly size: number; readonly path: readonly string[] };
}

/** Proofs of every record of a batch, as a gateway computes them from its log. */
export function proofsOf(
  records: readonly ExchangeContent[],
  batch: { id: string; seq: number; root: string },
): LoggedProof[] {
  const tree = new MerkleTree(records.map((r) => batchLeafData(r)));
  return records.map((record, index) => ({ record, batch, proof: tree.inclusionProof(index) }));
}

/** A stand-in for the gateway's `GET /records/:id/proof` (the gateway's answer format). */
export class ProofServer {
  readonly #proofs = new Map<string, LoggedProof>();
  readonly #server: Server;

  constructor() {
    this.#server = createServer((request, response) => {
      const match = /^\/records\/([0-9a-f]{64})\/proof$/.exec(request.url ?? '');
      const logged = match === null ? undefined : this.#proofs.get(match[1]!);
      response.setHeader('content-type', 'application/json');
      if (logged === undefined) {
        response.statusCode = 404;
        response.end(JSON.stringify({ code: 'NOT_FOUND', message: 'not in this gateway log' }));
        return;
      }
      response.end(
        JSON.stringify({
          recordId: recordId(logged.record),
          record: logged.record,
          proof: logged.proof,
          batchId: logged.batch.id,
          batch: logged.batch,
        }),
      );
    });
  }

  serve(proof: LoggedProof): void {
    this.#proofs.set(recordId(proof.record), proof);
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) =>
      this.#server.close(() => {
        resolve();
      }),
    );
  }
}

/** Runs the CLI in-process and captures what it prints. */
export async function runCli(
  main: (
    argv: readonly string[],
    options: { io: { out(t: string): void; err(t: string): void } },
  ) => Promise<number>,
  ...argv: string[]
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, {
    io: {
      out: (t) => {
        out += t;
      },
      err: (t) => {
        err += t;
      },
    },
  });
  return { code, out, err };
}
