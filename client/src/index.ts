// Public API of @cityledger/client: the one way CityLedger programs talk to Fabric.
export {
  defaultDataDir,
  loadConnectionProfile,
  parseConnectionProfile,
  type ConnectionProfile,
  type IdentityFiles,
  type PeerEndpoint,
} from './connection-profile';
export { newGrpcClient } from './grpc-connection';
export {
  DEFAULT_DEADLINES,
  LedgerClient,
  type Committed,
  type Deadlines,
  type LedgerClientOptions,
  type SubmitOptions,
  tlsCertificateHash,
} from './ledger-client';
export { toCityLedgerError, type CommitFailure } from './ledger-error';
export { newFastSigner, toLowSDer } from './signer';
