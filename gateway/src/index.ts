// Public API of @cityledger/gateway: the edge service, its configuration and its CLI.
export const GATEWAY_VERSION = '0.1.0';

export { CONFIG_SCHEMA, ENV_PREFIX, configFields, loadConfig, type GatewayConfig } from './config';
export { GatewayService, type ServiceOptions, type StopReport } from './service';
export type { GatewayParts, ManagedPolicySource, PartOverrides } from './service-parts';
export { type AttestationSigner, KeyFileSigner, attest, generateKeyFile } from './attestation-signer';
export type { EdgeDecision, FlowSource, PolicySource, Scorer, Scores } from './ports';
export type { LedgerPort, LedgerQueryPort } from './ledger-port';
export { CHAINCODE_FUNCTIONS } from './chaincode-api';
export { NO_POLICY_VERSION, type ExchangeRequest, type ExchangeResult } from './exchange-intake';
export { flowCategory, flowRecordId, type FlowRecord, type FlowRecordContent } from './flow-record';
export type { RecordProof } from './benign-log';
export { OUTBOX_KINDS, OUTBOX_STATES, type OutboxKind, type OutboxState } from './outbox-state';
export { runReplay, REPLAY_FORMATS, type ReplayFormat, type ReplaySummary } from './replay-run';
export { readStatus, type GatewayStatus } from './status';
export { buildCli } from './cli';
