import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
} from 'fastify';
import { CityLedgerError, ERROR_CATALOGUE, type ErrorCode, isSha256Hex } from '@cityledger/core';
import type { BenignLog } from './benign-log';
import { type ExchangeIntake, parseExchangeRequest } from './exchange-intake';
import type { Logger } from './logger';
import type { GatewayMetrics } from './metrics';
import type { Outbox } from './outbox';

export interface Readiness {
  readonly ready: boolean;
  readonly checks: Readonly<Record<string, boolean>>;
}

export interface HttpServerOptions {
  readonly intake: ExchangeIntake;
  readonly outbox: Outbox;
  readonly benignLog: BenignLog;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
  /** Unsettled outbox rows at which POST /exchanges answers 503. */
  readonly maxDepth: number;
  readonly retryAfterSeconds: number;
  readonly maxPayloadBytes: number;
  /** Retry-After for a proof whose batch is not cut yet. */
  readonly batchWaitSeconds: number;
  readonly readiness: () => Readiness;
  /** Called after a record was accepted (wakes the submitter). */
  readonly onAccepted?: () => void;
}

/** Fastify's own failures, mapped to catalogue codes. */
const FASTIFY_CODES: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'INVALID_ARGUMENT',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_ARGUMENT',
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_ARGUMENT',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'INVALID_ARGUMENT',
};

function send(reply: FastifyReply, code: ErrorCode, message: string, extra: object = {}): FastifyReply {
  return reply.status(ERROR_CATALOGUE[code].http).send({ code, message, ...extra });
}

function toCatalogue(err: FastifyError | CityLedgerError): {
  code: ErrorCode;
  message: string;
  status?: number;
} {
  if (err instanceof CityLedgerError) {
    return { code: err.code, message: err.message };
  }
  const code = FASTIFY_CODES[err.code];
  if (code !== undefined) {
    return { code, message: `${code}: ${err.message}`, status: err.statusCode };
  }
  if (err.statusCode === 400 || err.validation !== undefined) {
    return { code: 'INVALID_ARGUMENT', message: `INVALID_ARGUMENT: ${err.message}`, status: 400 };
  }
  return { code: 'INTERNAL', message: 'INTERNAL: unexpected failure; see the gateway log' };
}

function idParam(params: unknown): string {
  const id = (params as { id?: unknown }).id;
  if (!isSha256Hex(id)) {
    throw new CityLedgerError('INVALID_ARGUMENT', 'record id must be 64 lowercase hex characters');
  }
  return id;
}

function routeExchanges(app: FastifyInstance, o: HttpServerOptions): void {
  app.post(
    '/exchanges',
    {
      // Refused before the body is read: an overloaded gateway does not buffer payloads.
      onRequest: (_request, reply, done) => {
        if (o.outbox.unsettled() < o.maxDepth) {
          done();
          return;
        }
        o.metrics.overloadRejections.inc({ endpoint: 'exchanges' });
        reply.header('retry-after', String(o.retryAfterSeconds));
        void send(
          reply,
          'UNAVAILABLE',
          `UNAVAILABLE: the outbox holds ${o.maxDepth} unsettled records; retry later`,
        );
      },
    },
    async (request, reply) => {
      const exchange = parseExchangeRequest(request.body, o.maxPayloadBytes);
      const result = await o.intake.handle(exchange, request.ip);
      o.metrics.exchanges.inc({ decision: result.decision });
      o.metrics.recordsAccepted.inc({ kind: 'exchange' });
      if (result.personalData === 'queued') {
        o.metrics.recordsAccepted.inc({ kind: 'personal-data' });
      }
      o.onAccepted?.();
      request.log.debug({ recordId: result.recordId, decision: result.decision }, 'exchange recorded');
      if (result.decision === 'deny') {
        return send(
          reply,
          'POLICY_DENIED',
          `POLICY_DENIED: ${result.message ?? result.reason ?? 'denied'}`,
          result,
        );
      }
      return reply.status(200).send(result);
    },
  );
}

function routeRecords(app: FastifyInstance, o: HttpServerOptions): void {
  app.get('/records/:id', async (request, reply) => {
    const id = idParam(request.params);
    const row = o.outbox.get(id);
    if (row !== undefined) {
      const { payload: _payload, ...status } = row;
      return reply.send(status);
    }
    const logged = o.benignLog.proof(id);
    if (logged !== undefined) {
      return reply.send({ id, kind: 'benign-log', batchId: logged.batch?.id ?? null });
    }
    return send(reply, 'NOT_FOUND', `NOT_FOUND: no record ${id} at this gateway`);
  });

  app.get('/records/:id/proof', async (request, reply) => {
    const id = idParam(request.params);
    const logged = o.benignLog.proof(id);
    if (logged === undefined) {
      return send(reply, 'NOT_FOUND', `NOT_FOUND: ${id} is not in this gateway's log`);
    }
    if (logged.batch === null) {
      reply.header('retry-after', String(o.batchWaitSeconds));
      return send(reply, 'NOT_FOUND', `NOT_FOUND: ${id} is logged but its batch is not cut yet`);
    }
    const { batch } = logged;
    const anchored = o.outbox.get(batch.id);
    return reply.send({
      recordId: id,
      record: logged.record,
      proof: batch.proof,
      batchId: batch.id,
      batch: {
        id: batch.id,
        seq: batch.seq,
        root: batch.anchor.root,
        prevRoot: batch.anchor.prevRoot,
        anchor: batch.anchor,
        state: anchored?.state ?? null,
        txId: anchored?.txId ?? null,
        block: anchored?.block ?? null,
      },
    });
  });
}

function routeOperations(app: FastifyInstance, o: HttpServerOptions): void {
  app.get('/healthz', async (_request, reply) => reply.send({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const readiness = o.readiness();
    return reply.status(readiness.ready ? 200 : 503).send(readiness);
  });
  app.get('/metrics', async (_request, reply) =>
    reply.header('content-type', o.metrics.contentType).send(await o.metrics.text()),
  );
}

/**
 * The gateway's HTTP API: data-exchange intake for department systems, record status and inclusion
 * proofs for auditors, health, readiness and Prometheus metrics. Every error answers
 * `{code, message}` with a catalogue code and its HTTP status. Not listening yet: call `listen`.
 */
export function buildHttpServer(o: HttpServerOptions): FastifyInstance {
  const app: FastifyInstance = Fastify({
    loggerInstance: o.logger as FastifyBaseLogger,
    disableRequestLogging: true,
    // Room for a base64 payload of maxPayloadBytes plus the other fields.
    bodyLimit: Math.ceil(o.maxPayloadBytes / 3) * 4 + 16_384,
  });
  app.setErrorHandler((err: FastifyError | CityLedgerError, request, reply) => {
    const { code, message, status } = toCatalogue(err);
    o.metrics.errors.inc({ stage: 'http', code });
    if (code === 'INTERNAL') {
      request.log.error({ err }, 'request failed');
    }
    return reply.status(status ?? ERROR_CATALOGUE[code].http).send({ code, message });
  });
  app.setNotFoundHandler((request, reply) =>
    send(reply, 'NOT_FOUND', `NOT_FOUND: no route ${request.method} ${request.url}`),
  );
  routeExchanges(app, o);
  routeRecords(app, o);
  routeOperations(app, o);
  return app;
}
