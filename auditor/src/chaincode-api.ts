/**
 * The parts of the chaincode the auditor depends on, in one place: transaction function names
 * (`<contract>:<function>`, see chaincode/src/index.ts) and the prefixes of the world-state keys
 * whose writes the block reader recognises (chaincode/src/ledger/keys.ts).
 */
export const FN = {
  getRecord: 'audit:getRecord',
  getIncident: 'audit:getIncident',
  getFlowAlert: 'audit:getFlowAlert',
  queryFlowAlerts: 'audit:queryFlowAlerts',
  queryRecords: 'audit:queryRecords',
  verifyRecord: 'audit:verifyRecord',
  complianceSummary: 'audit:complianceSummary',
  getHistory: 'audit:getHistory',
  getGateway: 'gateways:getGateway',
  getModel: 'models:getModel',
  listModels: 'models:listModels',
  getPolicy: 'policies:getPolicy',
  getPolicyHistory: 'policies:getPolicyHistory',
  getBatch: 'exchange:getBatch',
  getBatchById: 'exchange:getBatchById',
  getErasure: 'privacy:getErasure',
  whoAmI: 'system:whoAmI',
} as const;

/** World-state key prefixes of the objects the auditor reads from blocks. */
export const KEY_PREFIX = {
  record: 'record~',
  flowAlert: 'flowalert~',
  incident: 'incident~',
  batch: 'batch~',
  policy: 'policy~',
  gateway: 'gateway~',
  model: 'model~',
  erasure: 'erasure~',
} as const;

/** `kind` argument of `audit:getHistory`. */
export type HistoryKind = 'gateway' | 'model' | 'policy';

/** What `audit:getHistory` returns. */
export interface HistoryReply {
  readonly kind: HistoryKind;
  readonly id: string;
  readonly entries: readonly {
    readonly txId: string;
    readonly timestamp: string;
    readonly isDelete: boolean;
    readonly value: unknown;
  }[];
  readonly truncated: boolean;
}

/** What `policies:getPolicyHistory` returns: a page of versions, `next` 0 at the end. */
export interface PolicyHistoryReply<T> {
  readonly items: readonly T[];
  readonly next: number;
}
