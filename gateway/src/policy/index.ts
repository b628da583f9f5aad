// Public API of gateway/src/policy: access policies synced from the ledger, decided at the edge.
export {
  PolicyCache,
  type CacheDenyReason,
  type PolicyCacheEvent,
  type PolicyCacheOptions,
  type PolicyCacheStatus,
  type PolicyDecision,
} from './cache';
export { POLICY_FUNCTIONS, type PolicyLedger } from './ledger';
export { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff';
export { parsePolicyEntry } from './entry';
export { type StoredCheckpoint } from './store';
