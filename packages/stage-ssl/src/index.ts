// @neuro-ssl/stage-ssl — `use: ssl` in an experiment YAML.
import { sslStage } from './ssl-stage.js';

export { sslStage };
export { sslConfigSchema, resolveSchedule, CV_LABELLED_LIMIT, type SslConfig, type ScheduleConfig, type EvaluationMode } from './ssl-config.js';
export { scheduleRules, type RoundRule } from './threshold-schedule.js';
export { selectPseudoLabels, type PseudoLabelPick, type Selection } from './pseudo-label.js';
export { runSslLoop, type Learner, type LoopState, type RoundRecord, type StopReason } from './ssl-loop.js';
export { sslVerdict, type Verdict } from './verdict.js';
export { cvVerdict, type CvVerdict } from './cv-verdict.js';
export default sslStage;
