// Public API of gateway/src/scoring: ONNX flow scoring in worker threads with micro-batching.
export { ScoringPool, type FlowScore, type ScoringPoolOptions, type ScoringStats } from './pool';
export { verifyModelFile, type ModelFile, type VerifiedModel } from './model-file';
export { combineVerdict, checkVerdictThresholds, type FlowVerdict, type VerdictThresholds } from './verdict';
export { ScoringError, SCORING_FAILURES, isScoringError, type ScoringFailure } from './errors';
export { DEFAULT_OUTPUTS, INPUT_NAME, type ModelKey } from './protocol';
export { scoringModelsFromManifest, type ScoringModels } from './manifest';
