// Public API of the gateway's feature extractor: the TypeScript half of models/feature-spec.json.
export {
  FEATURE_COUNT,
  FEATURE_NAMES,
  extractFeatureBatch,
  extractFeatureStream,
  extractFeatures,
  writeFeatures,
} from './extract';
export {
  CONTEXT_MAX_FLOWS_PER_SOURCE,
  CONTEXT_WINDOW_MS,
  FlowContextTracker,
  isolatedContext,
} from './flow-context';
export type { FlowContext, FlowContextOptions } from './flow-context';
export type { FeatureName } from './extract';
export { DEFAULT_FEATURE_SPEC_PATH, FEATURE_SPEC_SHA256, checkFeatureSpec, loadFeatureSpec } from './spec';
export type { FeatureDefinition, FeatureSpec, VerdictRuleText } from './spec';
export { DEFAULT_MODEL_MANIFEST_PATH, assertModelSpec, loadModelManifest } from './manifest';
export type { ModelEntry, ModelManifest } from './manifest';
export { decideVerdict } from './verdict';
export type { FlowScores, Verdict, VerdictThresholds } from './verdict';
export { FeatureContractError } from './errors';
export type { FeatureContractErrorCode } from './errors';
export { canonicalJson, canonicalSha256 } from './canonical';
export { csvRecord } from './sources/record';
export type { TextRecord } from './sources/record';
export { IOT23_CONN_FIELDS, biflowFromZeekConn, parseZeekConnLine, zeekHistoryFlags } from './sources/zeek';
export { biflowFromNfV2, nfV2DurationMs } from './sources/nfv2';
export { biflowFromCic } from './sources/cic';
