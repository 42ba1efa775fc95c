// @neuro-ssl/stage-extract — `use: extract` in an experiment YAML.
import { extractStage } from './extract-stage.js';

export { extractStage };
export { extractConfigSchema, type ExtractConfig, type NormalizationChoice } from './extract-config.js';
export default extractStage;
