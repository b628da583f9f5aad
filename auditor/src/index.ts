// Public API of @cityledger/auditor: verification over data read from the ledger, the ledger
// reader, the off-chain index, reports and the portal. The CLI (`cityledger-audit`) is built on it.

export const AUDITOR_VERSION = '0.1.0';

// Checks and exit codes.
export {
  CHECK_CATALOGUE,
  CHECK_NAMES,
  EXIT,
  exitCodeFor,
  failedChecks,
  verified,
  type CheckInfo,
  type CheckName,
  type CheckResult,
  type CheckStatus,
} from './checks';
export { checksJson, formatChecks } from './check-output';

// Verification: pure functions over evidence read from the ledger.
export { verifyRecordEvidence, type RecordEvidence } from './verify-record';
export { digestFile, verifyPayloadEvidence, type PayloadDigest } from './verify-payload';
export { checkProofResponse, verifyInclusionEvidence, type InclusionEvidence } from './verify-inclusion';
export { batchChainBreak, checkBatchChain } from './batch-chain';
export {
  parseProofResponse,
  type BatchedRecord,
  type BatchReference,
  type ProofResponse,
} from './proof-response';
export { fetchProof, GatewayUnreachableError, type ProofFetch } from './proof-fetch';
export { oldestFirst, versionAt, type Versioned } from './versions';

// Reading the ledger.
export { FN, KEY_PREFIX } from './chaincode-api';
export { LedgerReader, type Queries, type RecordWithErasure } from './ledger-reader';
export { readInclusionEvidence, readRecordEvidence, storedEntry } from './evidence';
export { FabricSession, type BlockHeaderInfo, type FabricSessionOptions } from './fabric-session';
export {
  parseBlock,
  type ParsedBlock,
  type ParsedTransaction,
  type TxEvent,
  type TxWrite,
} from './block-parser';
export { ledgerEvents, ledgerObjects, type LedgerObject, type LedgerObjectKind } from './ledger-objects';
export { SnapshotBuilder, readSnapshot, type LedgerSnapshot } from './ledger-snapshot';
export { crossCheck, type CrossCheck, type Disagreement, type PeerView } from './cross-check';
export { planQuery, type QueryPlan, type RecordFilters } from './record-filter';
export { policyAt, formatPolicyAt, type PolicyAt } from './policy-at';

// Output and reports.
export { OUTPUT_FORMATS, RecordWriter, csvField, recordRow, type OutputFormat } from './records-output';
export { buildReport, checkSummary, type ReportData, type ReportInput } from './report-data';
export { reportDocument, type ReportDocument } from './report-document';
export { renderHtml, renderMarkdown } from './report-render';

// Off-chain index, risk and forecast.
export { LedgerIndex, type IndexedEvent } from './ledger-index';
export { IndexQueries, bucketStarts, type Totals, type Volume, type Window } from './index-queries';
export { IndexFollower, type BlockSource, type FollowerOptions } from './index-follower';
export { DEFAULT_HOLT, fitHolt, holt, holtForecast, type HoltFit, type HoltParameters } from './forecast';
export { DEFAULT_RISK, zoneRisk, type RiskBucket, type RiskSettings, type ZoneRisk } from './risk';

// Portal.
export { buildPortal, type PortalDeps, type RecordVerification } from './portal/server';
export { startPortal, type PortalSettings, type RunningPortal } from './portal/run';
export { checkPassword, readAccounts, setPassword } from './portal/accounts';
export { windowFor, RANGES, type RangeName } from './portal/windows';
export { main } from './cli/main';
