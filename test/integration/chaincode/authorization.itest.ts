import { generateKeyPairSync } from 'node:crypto';
import {
  canonicalJson,
  type ExchangeOutcome,
  type FlowAlertOutcome,
  type PersonalData,
  personalDataHash,
  sha256Hex,
} from '@cityledger/core';
import { type LedgerClient } from '@cityledger/client';
import { uniqueId } from '../support/gateway-identity';
import { ClientPool, type OrgKey } from '../support/network';
import { buildCity, type City, privatePem, signFlowAlert, testModel, testPolicy } from './city';

/**
 * The authorization matrix on the real network: each role (admin, steward, gateway, auditor,
 * outsider), each function, own vs other department, with the error code of every denial.
 */

type Who = readonly [OrgKey, string] | 'outsider';
type Kind = 'submit' | 'evaluate';
interface Case {
  readonly fn: string;
  readonly kind: Kind;
  readonly who: Who;
  readonly args: (c: Ctx) => string[];
  /** A catalogue code, or 'ok'. */
  readonly expect: string;
}
interface Ctx {
  readonly city: City;
  readonly personalRecordId: string;
  readonly flowAlertId: string;
}

const pool = new ClientPool();
let ctx: Ctx;

function client(who: Who): LedgerClient {
  return who === 'outsider' ? pool.as('outsider', 'steward', 'transport') : pool.as(who[0], who[1]);
}

const HEALTH_ADMIN = ['health', 'admin'] as const;
const HEALTH_STEWARD = ['health', 'steward'] as const;
const HEALTH_GATEWAY = ['health', 'gateway'] as const;
const HEALTH_GATEWAY2 = ['health', 'gateway2'] as const;
const TRANSPORT_STEWARD = ['transport', 'steward'] as const;
const TRANSPORT_ADMIN = ['transport', 'admin'] as const;
const TRANSPORT_GATEWAY = ['transport', 'gateway'] as const;
const ENERGY_STEWARD = ['energy', 'steward'] as const;
const AUDITOR = ['audit', 'auditor'] as const;
const AUDIT_ADMIN = ['audit', 'admin'] as const;

const PEM = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
  .publicKey.export({ type: 'spki', format: 'pem' })
  .toString();

/** A valid registration (so that only authorization can refuse it). */
const gatewayReg = (): string[] => [
  canonicalJson({
    id: uniqueId('gw-matrix'),
    department: 'health',
    zone: 'matrix',
    identity: { mspId: 'HealthMSP', id: 'x509::/CN=someone::/CN=ca' },
    attestationKeyPem: PEM,
  }),
];

const denied = (fn: string, kind: Kind, args: (c: Ctx) => string[], code: string, whos: Who[]): Case[] =>
  whos.map((who) => ({ fn, kind, who, args, expect: code }));

const CASES: Case[] = [
  ...denied('gateways:registerGateway', 'submit', gatewayReg, 'UNAUTHORIZED', [
    TRANSPORT_STEWARD,
    HEALTH_ADMIN,
    HEALTH_GATEWAY,
    AUDITOR,
    'outsider',
  ]),
  ...denied(
    'gateways:updateGatewayStatus',
    'submit',
    (c) => [c.city.gatewayId, 'suspended', 'matrix'],
    'UNAUTHORIZED',
    [TRANSPORT_STEWARD, HEALTH_ADMIN, HEALTH_GATEWAY, AUDITOR, 'outsider'],
  ),
  ...denied('models:registerModel', 'submit', () => [JSON.stringify(testModel())], 'UNAUTHORIZED', [
    HEALTH_GATEWAY,
    AUDITOR,
    AUDIT_ADMIN,
    'outsider',
  ]),
  {
    fn: 'models:registerModel',
    kind: 'submit',
    who: TRANSPORT_ADMIN,
    args: () => [JSON.stringify(testModel())],
    expect: 'ok',
  },
  ...denied(
    'models:retireModel',
    'submit',
    (c) => [c.city.model.id, c.city.model.version, 'x'],
    'UNAUTHORIZED',
    [HEALTH_GATEWAY, AUDITOR],
  ),
  ...denied(
    'policies:putPolicy',
    'submit',
    (c) => [JSON.stringify(testPolicy(c.city.category, 2))],
    'UNAUTHORIZED',
    [TRANSPORT_STEWARD, HEALTH_ADMIN, HEALTH_GATEWAY, AUDITOR, 'outsider'],
  ),
  ...denied('exchange:recordExchange', 'submit', (c) => [JSON.stringify(c.city.sign())], 'UNAUTHORIZED', [
    HEALTH_STEWARD,
    HEALTH_GATEWAY2,
    TRANSPORT_GATEWAY,
    AUDITOR,
  ]),
  ...denied(
    'exchange:recordFlowAlert',
    'submit',
    (c) => [JSON.stringify(signFlowAlert(privatePem(c.city.attestationKey), c.city.gatewayId, c.city.model))],
    'UNAUTHORIZED',
    [HEALTH_STEWARD, HEALTH_GATEWAY2, TRANSPORT_GATEWAY, AUDITOR, 'outsider'],
  ),
  ...denied('audit:getFlowAlert', 'evaluate', (c) => [c.flowAlertId], 'UNAUTHORIZED', [
    TRANSPORT_STEWARD,
    ENERGY_STEWARD,
    'outsider',
  ]),
  { fn: 'audit:getFlowAlert', kind: 'evaluate', who: AUDITOR, args: (c) => [c.flowAlertId], expect: 'ok' },
  {
    fn: 'audit:getFlowAlert',
    kind: 'evaluate',
    who: HEALTH_STEWARD,
    args: (c) => [c.flowAlertId],
    expect: 'ok',
  },
  ...denied(
    'audit:queryFlowAlerts',
    'evaluate',
    () => [JSON.stringify({ by: 'department', value: 'health' })],
    'UNAUTHORIZED',
    [TRANSPORT_STEWARD, 'outsider'],
  ),
  {
    fn: 'audit:queryFlowAlerts',
    kind: 'evaluate',
    who: AUDITOR,
    args: () => [JSON.stringify({ by: 'department', value: 'health', pageSize: 1 })],
    expect: 'ok',
  },
  ...denied('baseline:put', 'submit', () => ['matrix', 'v'], 'UNAUTHORIZED', ['outsider']),
  { fn: 'baseline:put', kind: 'submit', who: AUDITOR, args: () => ['matrix', 'v'], expect: 'ok' },
  ...denied('exchange:getBatch', 'evaluate', (c) => [c.city.gatewayId, '1'], 'UNAUTHORIZED', [
    TRANSPORT_STEWARD,
    ENERGY_STEWARD,
  ]),
  ...denied('privacy:purgePrivateData', 'submit', (c) => [c.personalRecordId, 'ER-1'], 'UNAUTHORIZED', [
    TRANSPORT_STEWARD,
    AUDITOR,
    HEALTH_GATEWAY,
  ]),
  ...denied('privacy:getPersonalData', 'evaluate', (c) => [c.personalRecordId], 'UNAUTHORIZED', [
    TRANSPORT_STEWARD,
  ]),
  ...denied('audit:getRecord', 'evaluate', (c) => [c.personalRecordId], 'UNAUTHORIZED', [
    ENERGY_STEWARD,
    'outsider',
  ]),
  {
    fn: 'audit:getRecord',
    kind: 'evaluate',
    who: TRANSPORT_STEWARD,
    args: (c) => [c.personalRecordId],
    expect: 'ok',
  },
  { fn: 'audit:getRecord', kind: 'evaluate', who: AUDITOR, args: (c) => [c.personalRecordId], expect: 'ok' },
  ...denied('audit:verifyRecord', 'evaluate', (c) => [c.personalRecordId, sha256Hex('x')], 'UNAUTHORIZED', [
    ENERGY_STEWARD,
  ]),
  ...denied(
    'audit:queryRecords',
    'evaluate',
    () => [JSON.stringify({ by: 'department', value: 'health' })],
    'UNAUTHORIZED',
    [TRANSPORT_STEWARD],
  ),
  {
    fn: 'audit:queryRecords',
    kind: 'evaluate',
    who: AUDITOR,
    args: () => [JSON.stringify({ by: 'department', value: 'health', pageSize: 1 })],
    expect: 'ok',
  },
  ...denied(
    'audit:complianceSummary',
    'evaluate',
    () => [
      JSON.stringify({
        from: '2026-01-01T00:00:00.000Z',
        to: '2026-01-02T00:00:00.000Z',
        department: 'health',
      }),
    ],
    'UNAUTHORIZED',
    [ENERGY_STEWARD],
  ),
  ...denied('gateways:getGateway', 'evaluate', (c) => [c.city.gatewayId], 'UNAUTHORIZED', ['outsider']),
  {
    fn: 'gateways:getGateway',
    kind: 'evaluate',
    who: ENERGY_STEWARD,
    args: (c) => [c.city.gatewayId],
    expect: 'ok',
  },
  {
    fn: 'policies:getPolicy',
    kind: 'evaluate',
    who: TRANSPORT_GATEWAY,
    args: (c) => [c.city.category, ''],
    expect: 'ok',
  },
  {
    fn: 'audit:getHistory',
    kind: 'evaluate',
    who: AUDITOR,
    args: (c) => ['gateway', c.city.gatewayId],
    expect: 'ok',
  },
];

function label(c: Case): string {
  const who = c.who === 'outsider' ? 'outsider' : `${c.who[0]} ${c.who[1]}`;
  return `${c.fn} by ${who} -> ${c.expect}`;
}

describe('chaincode: authorization matrix', () => {
  beforeAll(async () => {
    const city = await buildCity(pool);
    const personal: PersonalData = { salt: sha256Hex(uniqueId('salt')), subject: 'itest subject' };
    const record = city.sign({
      personalDataSha256: personalDataHash(personal),
      subjectRef: sha256Hex('pseudonym'),
    });
    const outcome: ExchangeOutcome = await city.submit(record);
    if (!outcome.accepted) {
      throw new Error('setup record was not accepted');
    }
    await city.putPersonalData(outcome.id, personal);
    const alert = await city.gateway.submitJson<FlowAlertOutcome>('exchange:recordFlowAlert', [
      JSON.stringify(signFlowAlert(privatePem(city.attestationKey), city.gatewayId, city.model)),
    ]);
    ctx = { city, personalRecordId: outcome.id, flowAlertId: alert.entry.id };
  });
  afterAll(() => {
    pool.closeAll();
  });

  it.each(CASES.map((c) => [label(c), c] as const))('%s', async (_label, c) => {
    const caller = client(c.who);
    const call = c.kind === 'submit' ? caller.submit(c.fn, c.args(ctx)) : caller.evaluate(c.fn, c.args(ctx));
    if (c.expect === 'ok') {
      await expect(call).resolves.toBeDefined();
    } else {
      await expect(call).rejects.toMatchObject({ code: c.expect });
    }
  });
});
