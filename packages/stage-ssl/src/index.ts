// @neuro-ssl/stage-ssl — `use: ssl` in an experiment YAML.
import { sslStage } from './ssl-stage.js';

export { sslStage };
export { createSslStage, type SslStageOptions } from './ssl-stage.js';
// Algorithms: the contract a plugin implements, the built-ins, and FixMatch's pieces to build on.
export type { ArmAlgorithm, ArmContext, ArmResult, ArmSettings, RoundsAlgorithm, SslAlgorithm } from './algorithms/ssl-algorithm.js';
export { BUILTIN_ALGORITHMS, DEFAULT_ALGORITHM, algorithmRegistry, getAlgorithm, type AlgorithmRegistry } from './algorithms/registry.js';
export { fixmatchAlgorithm } from './algorithms/fixmatch.js';
export { flexmatchAlgorithm, type FlexMatchOptions } from './algorithms/flexmatch.js';
export { trainConsistencyArm, type ConsistencyOptions } from './algorithms/consistency-arm.js';
export { trainConsistency, type ConsistencyEpoch, type ConsistencyResult, type ConsistencyTrainingOptions } from './algorithms/consistency-training.js';
export { fixedThreshold, flexibleThresholds, type ThresholdPolicy } from './algorithms/threshold-policy.js';
export { DistributionAlignment, alignProbabilities } from './algorithms/distribution-alignment.js';
export { WeightEma } from './algorithms/ema.js';
export { sslConfigSchema, resolveSchedule, CV_LABELLED_LIMIT, type SslConfig, type ScheduleConfig, type EvaluationMode } from './ssl-config.js';
export { scheduleRules, type RoundRule } from './threshold-schedule.js';
export { selectPseudoLabels, type PseudoLabelPick, type Selection } from './pseudo-label.js';
export { runSslLoop, type Learner, type LoopState, type RoundRecord, type StopReason } from './ssl-loop.js';
export { sslVerdict, type Verdict } from './verdict.js';
export { cvVerdict, type CvVerdict } from './cv-verdict.js';
export default sslStage;
