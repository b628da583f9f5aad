import { type DataDepartment, type Decision, type Department, type Verdict } from './constants';
import { type DenyReason } from './decide';
import { type FlowAlertVerdict, type PortBucket } from './flow-alert';
import { type GatewayStatus } from './gateway';
import { type ModelStatus } from './model';

/**
 * Chaincode event names. Fabric keeps one event per transaction, so each transaction emits at most
 * one of these; the payload is the canonical JSON of the matching `...Event` type, whose `type`
 * field repeats the name.
 */
export const EVENTS = {
  /** A record with a suspicious or malicious verdict was stored (whatever its decision). */
  exchangeFlagged: 'cityledger.exchange.flagged',
  /** A benign record whose exchange the policy denied was stored. */
  exchangeDenied: 'cityledger.exchange.denied',
  /** A gateway's decision differed from the chain's; an incident was stored instead of the record. */
  policyMismatch: 'cityledger.policy.mismatch',
  policyChanged: 'cityledger.policy.changed',
  gatewayRegistered: 'cityledger.gateway.registered',
  gatewayStatusChanged: 'cityledger.gateway.status-changed',
  modelRegistered: 'cityledger.model.registered',
  modelRetired: 'cityledger.model.retired',
  batchAnchored: 'cityledger.batch.anchored',
  personalDataErased: 'cityledger.privacy.erased',
  /** A suspicious or malicious flow alert was stored. */
  flowAlert: 'cityledger.flow.alert',
  /** One or more flow alerts were stored by one `recordFlowAlerts` transaction. */
  flowAlerts: 'cityledger.flow.alerts',
} as const;
export type EventName = (typeof EVENTS)[keyof typeof EVENTS];

interface EventBase<T extends EventName> {
  readonly type: T;
  readonly txId: string;
  /** Transaction timestamp. */
  readonly at: string;
}

export interface ExchangeEvent
  extends EventBase<typeof EVENTS.exchangeFlagged | typeof EVENTS.exchangeDenied> {
  readonly recordId: string;
  readonly gatewayId: string;
  readonly sourceDepartment: DataDepartment;
  readonly consumerDepartment: Department;
  readonly category: string;
  readonly purpose: string;
  readonly verdict: Verdict;
  readonly threatScore: number;
  readonly decision: Decision;
  readonly denyReason?: DenyReason;
}

export interface PolicyMismatchEvent extends EventBase<typeof EVENTS.policyMismatch> {
  readonly recordId: string;
  readonly gatewayId: string;
  readonly sourceDepartment: DataDepartment;
  readonly consumerDepartment: Department;
  readonly category: string;
  readonly policyVersion: number;
  readonly gatewayDecision: Decision;
  readonly chainDecision: Decision;
  readonly denyReason?: DenyReason;
}

export interface PolicyChangedEvent extends EventBase<typeof EVENTS.policyChanged> {
  readonly category: string;
  readonly owner: DataDepartment;
  readonly version: number;
}

export interface GatewayEvent
  extends EventBase<typeof EVENTS.gatewayRegistered | typeof EVENTS.gatewayStatusChanged> {
  readonly gatewayId: string;
  readonly department: DataDepartment;
  readonly status: GatewayStatus;
  readonly reason?: string;
}

export interface ModelEvent extends EventBase<typeof EVENTS.modelRegistered | typeof EVENTS.modelRetired> {
  readonly modelId: string;
  readonly modelVersion: string;
  readonly status: ModelStatus;
  readonly reason?: string;
}

export interface BatchAnchoredEvent extends EventBase<typeof EVENTS.batchAnchored> {
  readonly gatewayId: string;
  readonly batchId: string;
  readonly seq: number;
  readonly root: string;
  readonly count: number;
  readonly verdictCounts: Readonly<Record<Verdict, number>>;
}

export interface ErasureEvent extends EventBase<typeof EVENTS.personalDataErased> {
  readonly recordId: string;
  readonly department: DataDepartment;
}

export interface FlowAlertEvent extends EventBase<typeof EVENTS.flowAlert> {
  readonly alertId: string;
  readonly gatewayId: string;
  /** The gateway's department and registered zone. */
  readonly department: DataDepartment;
  readonly zone: string;
  readonly verdict: FlowAlertVerdict;
  readonly threatScore: number;
  readonly anomalyScore?: number;
  /** End of the flow. */
  readonly observedAt: string;
  readonly protocol: number;
  readonly dstPortBucket: PortBucket;
  readonly modelId: string;
  readonly modelVersion: string;
}

/** One stored alert of a `FlowAlertsEvent`: a `FlowAlertEvent` without the transaction fields. */
export type FlowAlertSummary = Omit<FlowAlertEvent, 'type' | 'txId' | 'at'>;

/** The one event of a `recordFlowAlerts` transaction: every alert it newly stored, in argument order. */
export interface FlowAlertsEvent extends EventBase<typeof EVENTS.flowAlerts> {
  readonly alerts: readonly FlowAlertSummary[];
}

export type CityLedgerEvent =
  | ExchangeEvent
  | PolicyMismatchEvent
  | PolicyChangedEvent
  | GatewayEvent
  | ModelEvent
  | BatchAnchoredEvent
  | ErasureEvent
  | FlowAlertEvent
  | FlowAlertsEvent;

const EVENT_NAMES: readonly string[] = Object.values(EVENTS);

export function isEventName(value: unknown): value is EventName {
  return typeof value === 'string' && EVENT_NAMES.includes(value);
}

/**
 * Decodes a chaincode event. Returns undefined for a name that is not a CityLedger event or a payload
 * whose `type` does not repeat the name. Fields are trusted as written by the chaincode.
 */
export function decodeEvent(name: string, payload: Uint8Array): CityLedgerEvent | undefined {
  if (!isEventName(name)) {
    return undefined;
  }
  try {
    const value = JSON.parse(Buffer.from(payload).toString('utf8')) as { type?: unknown };
    return value.type === name ? (value as CityLedgerEvent) : undefined;
  } catch {
    return undefined;
  }
}
