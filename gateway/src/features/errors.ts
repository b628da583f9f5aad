/** Stable codes for every failure of the feature/model contract. */
export type FeatureContractErrorCode =
  | 'FEATURE_SPEC_INVALID'
  | 'FEATURE_SPEC_MISMATCH'
  | 'MODEL_MANIFEST_INVALID'
  | 'MODEL_SPEC_MISMATCH'
  | 'FLOW_RECORD_INVALID';

/** Thrown when a spec, manifest, model registry entry or input record breaks the contract. */
export class FeatureContractError extends Error {
  override readonly name = 'FeatureContractError';
  readonly code: FeatureContractErrorCode;

  constructor(code: FeatureContractErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options);
    this.code = code;
  }
}
