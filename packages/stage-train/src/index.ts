// @neuro-ssl/stage-train — `use: train` in an experiment YAML.
import { trainStage } from './train-stage.js';

export { trainStage };
export { trainConfigSchema, type TrainConfig } from './train-config.js';
export { renderTrainFigures, type TrainFigureInput } from './train-figures.js';
export { foldIntervals, formatInterval, validationIntervals, type MetricInterval, type MetricIntervals } from './metric-intervals.js';
export default trainStage;
