// The self-training stage: DatasetIndex + the train stage's Model → the final Model, every round's
// pseudo-labels, per-round metrics, figures and a verdict against the supervised baseline.
// The loop itself is ssl-loop.ts; this file wires data, model, config and outputs.

import { createHash } from 'node:crypto';
import path from 'node:path';
import { defineStage, type MetricRecord, type PoolLabels, type PseudoLabels, type StageContext } from '@neuro-ssl/core';
import { ProbeFeatureCache, classNames as classNamesOf, classifierArtifact, featureExtractor, loadClassifier, resolveTrainingOptions, saveModelFolder, type ClassifierMeta } from '@neuro-ssl/core/learn';
import { stableStringify } from '@neuro-ssl/core/util';
import { benchmarkRound, type PseudoLabelBenchmark } from './benchmark.js';
import { sslBatchPlan } from './ssl-batches.js';
import { configProblems, resolveSchedule, sslConfigSchema, type SslConfig } from './ssl-config.js';
import { renderSslFigures } from './ssl-figures.js';
import { TfLearner } from './ssl-learner.js';
import { describeScore, runSslLoop, type LoopState, type RoundRecord, type Scored } from './ssl-loop.js';
import { describeRoundRule, scheduleRules } from './threshold-schedule.js';
import { sslSplit } from './ssl-split.js';
import { sslVerdict, verdictCandidate, VERDICT_METRICS, type Verdict } from './verdict.js';

const NAME = '@neuro-ssl/stage-ssl';
// 0.1.1: the pool leaves out near-duplicates of validation images. 0.2.0: the benchmark labels are
// an input (PoolLabels), and the run summary is part of the Metrics output instead of a file of its own.
const VERSION = '0.2.0';

export const sslStage = defineStage({
  name: NAME,
  version: VERSION,
  description: 'Self-training with pseudo-labels from the train stage’s best model: threshold schedules, guards against confirmation bias, rollback, and a verdict against the supervised baseline.',
  configSchema: sslConfigSchema(),
  // poolLabels: the benchmark's true classes of the pool (empty outside benchmark mode), for reporting only.
  inputs: { dataset: 'DatasetIndex', model: 'Model', poolLabels: 'PoolLabels' },
  outputs: { model: 'Model', pseudoLabels: 'PseudoLabels', metrics: 'Metrics', figures: 'Figure' },

  // Self-training needs a pool: say so before the stages before it run, not after.
  check: (_config: SslConfig, { inputs }) =>
    inputs.dataset && !inputs.dataset.images.some((image) => image.split === 'unlabelled')
      ? [`the dataset has no unlabelled image (0 readable files under data.unlabelled.dir in ${inputs.dataset.root}): self-training needs a pool; point data.unlabelled.dir at the unlabelled images, or remove the ssl stage`]
      : [],

  async run(ctx, config: SslConfig, { dataset, model, poolLabels }) {
    const handle = await ctx.tf();
    const { tf } = handle;
    const { model: classifier, meta } = await loadClassifier(tf, model);
    const names = classNamesOf(meta.classes);
    const [negName, posName] = names;
    const mode = config.mode === 'model' ? meta.mode : config.mode;
    const training = resolveTrainingOptions(config, ctx.runtime);
    const batchSize = training.settings.batchSize;
    const problems = configProblems(config, batchSize);
    if (problems.length) throw new Error(`invalid ssl config: ${problems.join('; ')}`);
    const schedule = resolveSchedule(config.schedule);
    const rules = scheduleRules(schedule);

    const { labelled, validation, pool, excluded } = sslSplit(dataset, meta);
    if (excluded.length) {
      ctx.logger.info(`${excluded.length} unlabelled image(s) left out of the pool: near-duplicates of validation images (${excluded.slice(0, 3).join(', ')}${excluded.length > 3 ? ', …' : ''})`);
    }
    const prior = labelled.filter((t) => t.target === 1).length / labelled.length;
    const truth = readTruth(ctx, poolLabels, pool);
    ctx.logger.info(
      `self-training ${meta.spec.backbone} (${mode}${mode !== meta.mode ? `; the model was trained as ${meta.mode}` : ''}) on ${handle.backend}: ${labelled.length} labelled training + ${validation.length} validation images (the model's split), ` +
        `${pool.length} unlabelled; ${schedule.type} schedule ${rules.map(describeRoundRule).join(', ')}; ${config.epochs} epochs per round, lr ${config.learningRate}, restart ${config.restart}`,
    );

    let probe: ProbeFeatureCache | undefined;
    if (mode === 'probe') {
      // Shares the classifier's layers (do not dispose it): the backbone never trains in probe mode, so its features stay valid across rounds.
      const extractor = featureExtractor(tf, classifier);
      probe = new ProbeFeatureCache(tf, extractor, {
        preprocess: meta.preprocess,
        normalization: meta.normalization,
        batchSize,
        concurrency: ctx.runtime.concurrency,
        featureDim: extractor.outputs[0]!.shape[1] as number,
        rng: ctx.rng.fork('views'),
        progress: ctx.progress,
        signal: ctx.signal,
        logger: ctx.logger,
      });
    }
    if (probe) {
      // The backbone's passes up front, with one progress bar each: the pool (clean, for scoring) and
      // the labelled training views. A view depends on its image alone, so computing lazily would give
      // the same features; pool views (`poolViews` > 0) are computed when a round first needs them.
      await probe.clean(pool);
      await probe.views(labelled, config.views);
      ctx.signal.throwIfAborted();
    }
    const checkpoint = training.checkpoint;
    // The learning rate is the loop's, per round.
    const { learningRate: _perRound, ...roundSettings } = training.settings;
    const calibration = { ...training.calibration, beta: meta.beta };
    const resumeKey = createHash('sha256')
      .update(stableStringify({ plugin: NAME, version: VERSION, config, mode, meta, seed: ctx.seed, pool: pool.map((p) => p.id) }))
      .digest('hex');
    const learner = new TfLearner(tf, {
      classifier,
      spec: meta.spec,
      mode,
      settings: roundSettings,
      preprocess: meta.preprocess,
      normalization: meta.normalization,
      concurrency: ctx.runtime.concurrency,
      validation,
      pool,
      poolAugment: config.poolAugment,
      ...(probe ? { probe } : {}),
      evaluation: { threshold: 0.5, beta: meta.beta, eceBins: config.eceBins },
      checkpoint,
      checkpointDir: ctx.checkpointDir,
      resumeKey,
      restart: config.restart,
      plan: (items, n) => sslBatchPlan({ labelled: n, pseudo: items.length - n, batchSize, minLabelledPerBatch: config.minLabelledPerBatch, mixupAlpha: config.mixup?.alpha ?? null }),
      rng: ctx.rng.fork('train'),
      logger: ctx.logger,
      progress: ctx.progress,
      signal: ctx.signal,
      onEpoch: (round, r) => ctx.metric({ phase: 'epoch', round, ...r }),
    });

    try {
      const benchmarks: (PseudoLabelBenchmark | null)[] = [];
      const poolIds = pool.map((p) => p.id);
      const state = await runSslLoop(learner, {
        resumeKey,
        rules,
        labelled,
        pool,
        validationLabels: validation.map((v) => v.label),
        calibratedSelection: config.calibratedSelection,
        selection: { balance: config.balance, prior },
        softLabels: config.softLabels,
        ...(mode === 'probe' ? { poolViews: config.poolViews } : {}),
        patience: config.patience,
        maxEce: config.maxEce,
        checkpoint,
        calibration,
        posWeight: config.posWeight,
        learningRate: config.learningRate,
        restart: config.restart,
        classNames: names,
        logger: ctx.logger,
        signal: ctx.signal,
        onRound: (record) => {
          const bench = truth ? benchmarkRound(record.picks, poolIds, record.poolProbabilities, truth) : null;
          if (bench) ctx.logger.info(`round ${record.round} benchmark: ${describeBenchmark(bench, names)}`);
          ctx.metric(roundMetric(record, bench, names));
        },
      });
      // On resume the finished rounds were not replayed through onRound: recompute from the state.
      for (const r of state.rounds) benchmarks.push(truth ? benchmarkRound(r.picks, poolIds, r.poolProbabilities, truth) : null);

      const final = state.best;
      const verdict = sslVerdict({
        labels: validation.map((v) => v.label),
        baseline: state.baseline,
        candidate: verdictCandidate(state),
        beta: meta.beta,
        eceBins: config.eceBins,
        resamples: config.bootstrap,
        rng: ctx.rng.fork('verdict'),
      });
      ctx.logger.info(`final model: ${final.round === 0 ? 'the baseline (no round kept)' : `round ${final.round}`}: ${describeScore(final.score, meta.beta)}`);
      ctx.headline(`verdict: ${verdict.sentence}`);
      ctx.metric(verdictMetric(verdict, state));

      const modelDir = path.join(ctx.workDir, 'model');
      await saveModelFolder(tf, classifier, modelDir);
      const finalMeta: ClassifierMeta = {
        ...meta,
        mode,
        temperature: final.score.temperature,
        threshold: final.score.threshold,
        epoch: final.round === 0 ? meta.epoch : state.rounds[final.round - 1]!.bestEpoch,
        metrics: { ...final.score.evaluation, eceBeforeTemperature: final.score.rawEce, valLoss: final.score.loss },
        backend: handle.backend,
        seed: ctx.seed,
      };
      const artifact = classifierArtifact(modelDir, finalMeta);
      const sslMeta = { round: final.round, rounds: state.rounds.length, stop: state.stop, beat: verdict.beat, baselineEpoch: meta.epoch, baselineSeed: meta.seed };

      const pseudoLabels: PseudoLabels = {
        items: state.rounds.flatMap((r) =>
          r.picks.map((p) => ({ id: pool[p.index]!.id, path: pool[p.index]!.path, label: p.label, confidence: p.probability, round: r.round })),
        ),
        meta: {
          note: 'every round’s selection; each round trained on the labelled split plus its own pseudo-labels only',
          bestRound: final.round,
          classes: meta.classes,
          calibratedSelection: config.calibratedSelection,
          rounds: state.rounds.map(roundSummary),
          stop: state.stop,
        },
      };

      const summary = {
        stage: ctx.stageId,
        verdict,
        stop: state.stop,
        finalRound: final.round,
        baseline: scoreSummary(state.baseline),
        final: scoreSummary(final.score),
        rounds: state.rounds.map((r, i) => ({ ...roundSummary(r), ...(benchmarks[i] ? { benchmark: benchmarks[i] } : {}) })),
      };

      const figures = await renderSslFigures({ state, benchmarks, classNames: names, beta: meta.beta, prefix: ctx.stageId, title: `${meta.spec.backbone} ${mode}` });
      const e = final.score.evaluation;
      const values: Record<string, number> = {
        ...numeric({ ...e, eceBeforeTemperature: final.score.rawEce, temperature: final.score.temperature, threshold: final.score.threshold, valLoss: final.score.loss }),
        finalRound: final.round,
        roundsRun: state.rounds.length,
        beat: verdict.beat ? 1 : 0,
        pseudoLabels: final.round === 0 ? 0 : state.rounds[final.round - 1]!.picks.length,
      };
      for (const m of VERDICT_METRICS) {
        const d = verdict.deltas[m];
        for (const [k, v] of [[`baseline_${m}`, d.baseline], [`delta_${m}`, d.delta], [`delta_${m}_low`, d.low], [`delta_${m}_high`, d.high]] as const) if (v !== null) values[k] = v;
      }
      return {
        model: { ...artifact, meta: { ...artifact.meta, ssl: sslMeta } },
        pseudoLabels,
        metrics: {
          values,
          confusionMatrix: [
            [e.tn, e.fp],
            [e.fn, e.tp],
          ],
          // `summary`: the verdict, the stop, the baseline and final scores and every round (with its
          // benchmark), as the run folder's <stage>-metrics.json shows them.
          extra: { verdict, stop: state.stop, baseline: state.baseline.evaluation, rounds: summary.rounds, classes: { negative: negName, positive: posName }, summary },
        },
        figures,
      };
    } finally {
      learner.dispose();
      classifier.dispose();
    }
  },
});

/** Benchmark mode: the true labels of the pool (data.unlabelled.labelsFile), for reporting only. */
function readTruth(ctx: StageContext, poolLabels: PoolLabels, pool: readonly { id: string }[]): Map<string, number> | null {
  if (poolLabels.source === null) return null;
  const truth = new Map(Object.entries(poolLabels.labels));
  const covered = pool.filter((p) => truth.has(p.id)).length;
  ctx.logger.info(
    `benchmark mode: true labels for ${covered} of ${pool.length} unlabelled images from ${poolLabels.source}${truth.size > covered ? ` (${truth.size - covered} row(s) name no image of the pool)` : ''}; ` +
      'used to report pseudo-label accuracy only, never for training',
  );
  return truth;
}

const pct = (v: number | null): string => (v === null ? 'n/a' : `${(v * 100).toFixed(1)}%`);

function describeBenchmark(b: PseudoLabelBenchmark, [neg, pos]: [string, string]): string {
  return `pseudo-label accuracy ${pct(b.accuracy)} (${b.correct}/${b.checked}), precision ${pos} ${pct(b.precision[1])}, ${neg} ${pct(b.precision[0])}; the model labels ${pct(b.poolAccuracy)} of the pool right at p ≥ 0.5`;
}

function roundMetric(r: RoundRecord, bench: PseudoLabelBenchmark | null, [neg, pos]: [string, string]): MetricRecord {
  const e = r.score.evaluation;
  return {
    phase: 'round',
    round: r.round,
    rule: r.rule.kind,
    ruleValue: r.rule.value,
    cutoff: r.cutoff,
    learningRate: r.learningRate,
    pool: r.poolProbabilities.length,
    [`passed_${neg}`]: r.passed[0],
    [`passed_${pos}`]: r.passed[1],
    selected: r.picks.length,
    [`selected_${neg}`]: r.kept[0],
    [`selected_${pos}`]: r.kept[1],
    trainSize: r.trainSize,
    epochs: r.epochs,
    bestEpoch: r.bestEpoch,
    fBeta: e.fBeta,
    precision: e.precision,
    recall: e.recall,
    rocAuc: e.rocAuc,
    prAuc: e.prAuc,
    ece: e.ece,
    eceRaw: r.score.rawEce,
    temperature: r.score.temperature,
    threshold: r.score.threshold,
    valLoss: r.score.loss,
    improved: r.improved,
    rolledBack: r.rolledBack,
    ...(bench
      ? {
          pseudoAccuracy: bench.accuracy,
          [`pseudoPrecision_${neg}`]: bench.precision[0],
          [`pseudoPrecision_${pos}`]: bench.precision[1],
          poolAccuracy: bench.poolAccuracy,
        }
      : {}),
  };
}

function verdictMetric(v: Verdict, state: LoopState): MetricRecord {
  const record: MetricRecord = { phase: 'verdict', beat: v.beat, round: v.round, kept: v.kept, stop: state.stop?.reason ?? null, sentence: v.sentence };
  for (const m of VERDICT_METRICS) {
    const d = v.deltas[m];
    record[`delta_${m}`] = d.delta;
    record[`delta_${m}_low`] = d.low;
    record[`delta_${m}_high`] = d.high;
  }
  return record;
}

/** A round without the per-image arrays (those are in the PseudoLabels artifact). */
function roundSummary(r: RoundRecord): Record<string, unknown> {
  const { poolProbabilities: _p, picks: _k, score, ...rest } = r;
  return { ...rest, selected: r.picks.length, score: scoreSummary(score) };
}

function scoreSummary(s: Scored): Record<string, unknown> {
  const { logits: _l, ...rest } = s;
  return rest;
}

function numeric(record: Record<string, unknown>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).filter((e): e is [string, number] => typeof e[1] === 'number'));
}
