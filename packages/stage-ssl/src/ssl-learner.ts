// The TensorFlow side of the loop: one classifier trained in place round after round with core's
// trainClassifier (the head is kept: initHead false), predictions on the pool and on validation (in
// probe mode from the cached backbone features, so only the head runs; in partial mode with a trunk
// cache from the cached trunk output, so only the top runs; otherwise the whole classifier on the
// inference engine, ONNX Runtime where available), and one state folder —
// best weights, Adam's state for `restart: continue`, the loop state — written atomically after every
// round, which is both the rollback target and the resume point.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { LayersModel, Logger, PreprocessConfig, ProgressFactory, Rng, Tensor, Tf } from '@neuro-ssl/core';
import type { ImageBatchItem, Normalization } from '@neuro-ssl/core/image';
import { buildHead, copyHeadWeights, imageLogits, restoreOptimizer, restoreWeights, saveModelFolder, setTrainable, trainClassifier, type BatchPlan, type InferenceSetting, type CheckpointRule, type ClassifierSpec, type EpochRecord, type EvaluationOptions, type ProbeFeatureCache, type TrainItem, type TrainMode, type TrainSettings, type TrainedClassifier, type ValidationItem } from '@neuro-ssl/core/learn';
import { partialSplit } from '@neuro-ssl/core/models';
import type { Learner, LoopState, TrainedRound } from './ssl-loop.js';

const STATE_FILE = 'ssl-state.json';

type AdamOptimizer = TrainedClassifier['optimizer'];

export interface TfLearnerOptions {
  classifier: LayersModel;
  spec: ClassifierSpec;
  mode: TrainMode;
  /** Everything but the mode and the learning rate, which the loop sets per round. */
  settings: Omit<TrainSettings, 'mode' | 'learningRate'>;
  preprocess: PreprocessConfig;
  normalization: Normalization;
  concurrency: number;
  validation: readonly ValidationItem[];
  pool: readonly ImageBatchItem[];
  poolAugment: 'none' | 'weak';
  /** Probe mode: the frozen backbone's features. */
  probe?: ProbeFeatureCache;
  /** Partial mode: the frozen trunk's output (the classifier's trunk never trains, so it stays valid every round). */
  trunk?: ProbeFeatureCache;
  /** The engine of predictions on images (pool, validation): absent = TF.js. */
  inference?: InferenceSetting;
  /** How epochs inside a round are scored (threshold 0.5, like the train stage). */
  evaluation: EvaluationOptions;
  checkpoint: CheckpointRule;
  /** Survives interruptions: state/ and one folder per round in progress. */
  checkpointDir: string;
  resumeKey: string;
  restart: 'cold' | 'continue';
  /** The batch plan of a round's training set, if any (minLabelledPerBatch, mixup). */
  plan: (items: readonly TrainItem[], labelled: number) => BatchPlan | undefined;
  rng: Rng;
  logger: Logger;
  progress?: ProgressFactory;
  signal?: AbortSignal;
  onEpoch?: (round: number, record: EpochRecord) => void;
}

/** TF.js keeps Adam's learning rate in a protected field that every step reads: `continue` lowers it between rounds. */
function setLearningRate(optimizer: AdamOptimizer, learningRate: number): void {
  (optimizer as unknown as { learningRate: number }).learningRate = learningRate;
}

export class TfLearner implements Learner {
  private optimizer: AdamOptimizer | undefined;
  private readonly stateDir: string;

  constructor(
    private readonly tf: Tf,
    private readonly o: TfLearnerOptions,
  ) {
    this.stateDir = path.join(o.checkpointDir, 'state');
    if (o.mode === 'probe' && !o.probe) throw new Error('TfLearner: probe mode needs a ProbeFeatureCache');
    // trainClassifier sets the same trainability; doing it now makes the saved Adam state match on resume.
    if (o.mode !== 'probe') setTrainable(o.classifier, o.spec.backbone, o.mode);
  }

  async validationLogits(): Promise<Float32Array> {
    return this.logitsOf(this.o.validation);
  }

  /** The current model on any labelled images (a fold's held-out images), clean. */
  async logitsOf(items: readonly ImageBatchItem[]): Promise<Float32Array> {
    if (this.o.probe) return this.headLogits(await this.o.probe.clean(items));
    if (this.trunk) return this.topLogits(await this.trunk.clean(items));
    return this.imageLogits(items, null);
  }

  async poolLogits(round: number): Promise<Float32Array> {
    const weak = this.o.poolAugment === 'weak';
    const cache = this.o.probe ?? this.trunk;
    if (cache) {
      // View 0 is a fixed weak view per image: the same one every round, cached.
      const rows = weak ? (await cache.views(this.o.pool, 1)).views[0]! : await cache.clean(this.o.pool);
      return this.o.probe ? this.headLogits(rows) : this.topLogits(rows);
    }
    return this.imageLogits(this.o.pool, weak ? this.o.rng.fork(`pool-${round}`) : null);
  }

  /** The trunk cache where partial mode trains on it. */
  private get trunk(): ProbeFeatureCache | undefined {
    return this.o.mode === 'partial' ? this.o.trunk : undefined;
  }

  /** `epochs`: this round's (the final model replays the epochs the folds validated); default the settings'. */
  async train(round: number, items: TrainItem[], labelled: number, learningRate: number, epochs?: number): Promise<TrainedRound> {
    const o = this.o;
    if (o.restart === 'continue' && this.optimizer) setLearningRate(this.optimizer, learningRate);
    const plan = o.plan(items, labelled);
    const trained = await trainClassifier(this.tf, {
      spec: o.spec,
      classifier: o.classifier,
      settings: { ...o.settings, mode: o.mode, learningRate, ...(epochs !== undefined ? { epochs } : {}) },
      preprocess: o.preprocess,
      normalization: o.normalization,
      concurrency: o.concurrency,
      train: items,
      validation: o.validation,
      evaluation: o.evaluation,
      checkpoint: o.checkpoint,
      checkpointDir: this.roundDir(round),
      resumeKey: `${o.resumeKey}:round-${round}${epochs !== undefined ? `@${epochs}` : ''}`,
      rng: o.rng.fork(`round-${round}`),
      logger: o.logger,
      label: `round ${round}`,
      initHead: false,
      ...(o.progress ? { progress: o.progress } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.probe ? { probe: o.probe } : {}),
      ...(this.trunk ? { trunk: this.trunk } : {}),
      ...(o.inference ? { inference: o.inference } : {}),
      ...(o.restart === 'continue' && this.optimizer ? { optimizer: this.optimizer } : {}),
      ...(plan ? { plan } : {}),
      ...(o.onEpoch ? { onEpoch: (r: EpochRecord) => o.onEpoch!(round, r) } : {}),
    });
    if (o.restart === 'continue') this.optimizer = trained.optimizer;
    else trained.optimizer.dispose();
    return { validationLogits: trained.validationLogits, history: trained.history, bestEpoch: trained.bestEpoch };
  }

  async rollback(): Promise<void> {
    await restoreWeights(this.tf, this.o.classifier, this.stateDir);
  }

  async persist(state: LoopState): Promise<void> {
    await saveModelFolder(this.tf, this.o.classifier, this.stateDir, this.optimizer, { [STATE_FILE]: state });
    // A finished round's epoch checkpoints are not needed once its outcome is in the state.
    for (const r of state.rounds) await fs.rm(this.roundDir(r.round), { recursive: true, force: true });
  }

  async resume(resumeKey: string): Promise<LoopState | null> {
    let state: LoopState;
    try {
      state = JSON.parse(await fs.readFile(path.join(this.stateDir, STATE_FILE), 'utf8')) as LoopState;
    } catch {
      return null;
    }
    if (state.resumeKey !== resumeKey) {
      this.o.logger.info(`ignoring a self-training state of another configuration in ${this.stateDir}`);
      return null;
    }
    await restoreWeights(this.tf, this.o.classifier, this.stateDir);
    if (this.o.restart === 'continue' && state.rounds.length > 0) {
      const optimizer = this.tf.train.adam(state.rounds[state.rounds.length - 1]!.learningRate);
      if (await restoreOptimizer(this.tf, optimizer, this.o.classifier, this.stateDir)) this.optimizer = optimizer;
      else optimizer.dispose();
    }
    return state;
  }

  dispose(): void {
    this.optimizer?.dispose();
    this.optimizer = undefined;
  }

  private roundDir(round: number): string {
    return path.join(this.o.checkpointDir, `round-${round}`);
  }

  /** The whole classifier on images, exported afresh to the inference engine (its weights change every round). */
  private async imageLogits(items: readonly ImageBatchItem[], rng: Rng | null): Promise<Float32Array> {
    return imageLogits(this.tf, this.o.classifier, items, {
      preprocess: this.o.preprocess,
      normalization: this.o.normalization,
      batchSize: this.o.settings.batchSize,
      concurrency: this.o.concurrency,
      logger: this.o.logger,
      ...(this.o.inference ? { inference: this.o.inference } : {}),
      ...(rng ? { augment: 'weak' as const, rng } : {}),
      ...(this.o.signal ? { signal: this.o.signal } : {}),
    });
  }

  /** The classifier's top (last stage + head, its own layers) on cached trunk output. */
  private async topLogits(rows: Float32Array): Promise<Float32Array> {
    const { tf } = this;
    const { top, cutShape } = partialSplit(tf, this.o.classifier, this.o.spec.backbone);
    try {
      const dim = this.trunk!.dim;
      const n = rows.length / dim;
      const out = new Float32Array(n);
      const batch = this.o.settings.batchSize;
      for (let i = 0; i < n; i += batch) {
        const k = Math.min(batch, n - i);
        const logits = tf.tidy(() => top.predict(tf.tensor(rows.subarray(i * dim, (i + k) * dim), [k, ...cutShape])) as Tensor);
        out.set((await logits.data()) as Float32Array, i);
        logits.dispose();
      }
      return out;
    } finally {
      top.dispose();
    }
  }

  /** The classifier's head alone on cached features (the backbone is frozen in probe mode). */
  private async headLogits(features: Float32Array): Promise<Float32Array> {
    const { tf } = this;
    const dim = this.o.probe!.dim;
    const head = buildHead(tf, dim, this.o.spec.head);
    try {
      copyHeadWeights(this.o.classifier, head);
      const out = tf.tidy(() => head.predict(tf.tensor2d(features, [features.length / dim, dim])) as Tensor);
      const data = Float32Array.from(await out.data());
      out.dispose();
      return data;
    } finally {
      head.dispose();
    }
  }
}
