// Public API of @cityledger/core: what chaincode, gateway and auditor agree on byte for byte.
// No I/O, no clock, no randomness.

export {
  ERROR_CATALOGUE,
  ERROR_CODES,
  CityLedgerError,
  GrpcStatus,
  formatError,
  isCityLedgerError,
  isErrorCode,
  parseErrorCode,
} from './errors';
export type { CityLedgerErrorOptions, ErrorCode, ErrorCodeInfo } from './errors';

export { canonicalBytes, canonicalJson } from './canonical';
export { isSha256Hex, sha256, sha256Hex } from './hash';
export { addSeconds, isIsoTimestamp, isoToMillis, millisToIso } from './time';
export { ObjectReader, parseJsonArgument } from './validate';

export {
  ATTR_DEPARTMENT,
  ATTR_ROLE,
  DATA_DEPARTMENTS,
  DECISIONS,
  DEPARTMENTS,
  LIMITS,
  MSP_IDS,
  ROLES,
  TRANSIENT_PERSONAL_DATA,
  VERDICTS,
  isDataDepartment,
  isDepartment,
  isRole,
  privateCollection,
  verdictRank,
} from './constants';
export type { DataDepartment, Decision, Department, Role, Verdict } from './constants';

export { CATEGORY, categoryOwner, isCategory } from './category';

export { GATEWAY_STATUSES, canChangeGatewayStatus, parseGatewayRegistration } from './gateway';
export type { FabricIdentity, GatewayEntry, GatewayRegistration, GatewayStatus } from './gateway';

export { MODEL_KINDS, MODEL_STATUSES, parseModelSpec, verdictFor } from './model';
export type { ModelEntry, ModelKind, ModelSpec, ModelStatus, ModelThresholds } from './model';

export { MAX_POLICY_VERSION, parseAccessPolicy, parseGrant } from './policy';
export type { AccessPolicy, Grant, PolicyEntry } from './policy';

export { DENY_REASONS, decide } from './decide';
export type { AccessDecision, AccessRequest, DenyReason } from './decide';

export {
  parseExchangeContent,
  parseExchangeRecord,
  parsePersonalData,
  personalDataHash,
  recordContent,
  recordContentBytes,
  recordId,
} from './record';
export type {
  ErasureRecord,
  ExchangeContent,
  ExchangeEntry,
  ExchangeOutcome,
  ExchangeRecord,
  MismatchIncident,
  PersonalData,
} from './record';

export {
  ATTESTATION_CONTEXT,
  attestationMessage,
  parseP256PublicKey,
  signAttestation,
  signBatchAttestation,
  signFlowAlertAttestation,
  verifyAttestation,
  verifyCanonicalContent,
  verifyBatchAttestation,
  verifyFlowAlertAttestation,
} from './attestation';
export type { AttestationKey, AttestationKind } from './attestation';

export {
  FLOW_ALERT_VERDICTS,
  PORT_BUCKETS,
  PORT_PROTOCOLS,
  flowAlertContent,
  flowAlertId,
  flowRef,
  flowVerdict,
  parseFlowAlert,
  parseFlowAlertContent,
  portBucket,
} from './flow-alert';
export type {
  FlowAlert,
  FlowAlertContent,
  FlowAlertEntry,
  FlowAlertItemResult,
  FlowAlertOutcome,
  FlowAlertsOutcome,
  FlowAlertVerdict,
  FlowScores,
  FlowTuple,
  PortBucket,
} from './flow-alert';

export { GENESIS_ROOT, batchId, batchLeafData, buildBatch, parseBatchAnchor } from './batch';
export type { BatchAnchor, BatchContent, BatchEntry } from './batch';

export { MerkleTree, merkleLeafHash, merkleNodeHash, merkleRoot, verifyInclusion } from './merkle';
export type { InclusionProof } from './merkle';

export { EVENTS, decodeEvent, isEventName } from './events';
export type {
  BatchAnchoredEvent,
  CityLedgerEvent,
  ErasureEvent,
  EventName,
  ExchangeEvent,
  FlowAlertEvent,
  FlowAlertsEvent,
  FlowAlertSummary,
  GatewayEvent,
  ModelEvent,
  PolicyChangedEvent,
  PolicyMismatchEvent,
} from './events';

export {
  FLOW_ALERT_QUERY_PATHS,
  QUERY_PATHS,
  mergeComplianceSummaries,
  parseComplianceQuery,
  parseFlowAlertQuery,
  parseRecordQuery,
} from './query';
export type {
  ComplianceQuery,
  ComplianceSummary,
  FlowAlertCounts,
  FlowAlertQuery,
  FlowAlertQueryPath,
  Page,
  QueryPath,
  RecordQuery,
} from './query';
