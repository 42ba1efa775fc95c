// `evaluation: cv`: a self-training verdict that can see a gain. Outer folds of the labelled images
// (cv-plan.ts); in each, the supervised baseline and self-training from the same training labels and
// pool, both choosing on an inner split and scored on the held-out fold (cv-evaluation.ts); the
// pooled out-of-fold predictions of every labelled image give paired differences (cv-verdict.ts);
// then the final model on all labelled images plus the pool, with the settings the folds validated
// (final-model.ts).

import path from 'node:path';
import type { LayersModel, MetricRecord, PseudoLabels } from '@neuro-ssl/core';
import { FIXED_SCHEDULE_RULE, classifierArtifact, evaluateOutOfFold, itemsForSplit, pooledEstimate, saveModelFolder, type ClassifierMeta, type ProbeFeatureCache, type SplitItem, type TrainItem, type TrainSettings } from '@neuro-ssl/core/learn';
import type { ConsistencyEpoch } from './algorithms/consistency-training.js';
import { renderConsistencyFigures } from './consistency-figures.js';
import { renderCvFigures } from './cv-figures.js';
import { runCvArms, type FoldOutcome } from './cv-evaluation.js';
import { planFolds, type PoolImage } from './cv-plan.js';
import { cvVerdict, type CvVerdict } from './cv-verdict.js';
import { describeSettings, trainFinalModel, validatedSettings, type FinalRound } from './final-model.js';
import { hideLabels } from './hide-labels.js';
import { pretrainedClassifier } from './pretrained.js';
import { type SslOutputs, type SslRun, armSettingsOf, inferenceOf, planOf, probeCache, resumeKeyOf, roundSettingsOf, trunkCacheOf } from './run-context.js';
import { TfLearner, type TfLearnerOptions } from './ssl-learner.js';
import { prefixed } from './prefixed-logger.js';
import { armEpochMetric, benchmarkFields, describeBenchmark, numeric, readTruth, roundMetric } from './ssl-report.js';
import { describeRoundRule } from './threshold-schedule.js';
import { deltaFields, deltaValues, VERDICT_METRICS } from './verdict.js';

const byId = (a: { id: string }, b: { id: string }): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export async function runCv(run: SslRun, plugin: { name: string; version: string }): Promise<SslOutputs> {
  const { ctx, config, dataset, meta, names, mode, tf, rules, training } = run;
  const [negName, posName] = names;
  const labelNames = { 0: negName, 1: posName };
  const records = new Map(dataset.images.map((r) => [r.id, r]));

  // Benchmark on one's own data: part of the labelled images become pool images whose labels only score.
  let items: SplitItem[] = itemsForSplit(dataset);
  let hidden: SplitItem[] = [];
  if (config.benchmark) {
    const h = hideLabels(items, config.benchmark.hideLabelsOf, ctx.rng.fork('hide-labels'), labelNames);
    ctx.logger.info(h.report);
    items = h.kept;
    hidden = h.hidden;
  }
  const labelled = new Map(items.map((i) => [i.id, { path: records.get(i.id)!.path, label: i.label }]));
  const pool: PoolImage[] = [...dataset.images.filter((r) => r.split === 'unlabelled'), ...hidden.map((h) => records.get(h.id)!)].map((r) => ({ id: r.id, path: r.path })).sort(byId);
  if (pool.length === 0) throw new Error('the dataset has no unlabelled images: self-training needs data.unlabelled (a folder of unlabelled images)');
  const fileTruth = readTruth(ctx, run.poolLabels, pool);
  const truth = fileTruth || hidden.length ? new Map<string, number>([...(fileTruth ?? []), ...hidden.map((h): [string, number] => [h.id, h.label])]) : null;

  const folds = planFolds(dataset, items, pool, config.cv, ctx.rng.fork('cv'), labelNames);
  // A one-go algorithm (FixMatch, FlexMatch, a plugin's) instead of the pseudo-label rounds.
  const armSettings = armSettingsOf(run);
  const oneGo = run.algorithm.kind === 'arm' ? { algorithm: run.algorithm, options: run.algorithmOptions, settings: armSettings } : undefined;
  const armEpochs: ConsistencyEpoch[][] = folds.map(() => []);
  const finalArmEpochs: ConsistencyEpoch[] = [];
  // The baseline arm trains as the train stage trained its model (the Model records how).
  const baselineSettings: Omit<TrainSettings, 'mode'> = meta.training?.settings ?? training.settings;
  if (!meta.training) ctx.logger.warn("the input model does not record how it was trained (written before this version): the folds' supervised baselines train with this stage's settings");
  ctx.logger.info(
    `evaluation: cv — ${config.cv.repeats}×${config.cv.folds} outer folds of ${items.length} labelled images (stratified, near-duplicate groups whole); in each, an inner split (${config.cv.innerSize} of each class) chooses ` +
      `the baseline's epoch, each round's epoch, which rounds are kept, the temperature and the threshold; the held-out fold only scores. ` +
      `Baseline: ${baselineSettings.epochs} epochs at lr ${baselineSettings.learningRate} (the train stage's); self-training: ` +
      (oneGo
        ? `${oneGo.algorithm.describe(oneGo.options)}, ${config.epochs} epochs (passes over the pool), lr ${config.learningRate}, the epoch chosen on the inner split; ${mode} mode on ${run.backend}`
        : `${describeRoundRule(rules[0]!)} → ${describeRoundRule(rules[rules.length - 1]!)} over ${rules.length} rounds, ${config.epochs} epochs per round, lr ${config.learningRate}, restart ${config.restart}; ${mode} mode on ${run.backend}`),
  );

  // A probe's backbone never trains: the input model's is the pretrained one, shared by every fold.
  const shared: LayersModel | null = mode === 'probe' ? (meta.mode === 'probe' ? run.classifier : await pretrainedClassifier(tf, meta, ctx.rng.fork('init'), ctx.logger)) : null;
  let trunkSource: LayersModel | null = null;
  let trunkCache: ProbeFeatureCache | undefined;
  try {
    const probe = shared ? probeCache(run, shared, true) : undefined;
    if (probe) {
      // The backbone's passes up front: the pool and every labelled image clean (scoring), and the
      // labelled images' weak views (the baseline's and the rounds' counts; a view depends on its image alone).
      const labelledItems = items.map((i) => ({ id: i.id, path: labelled.get(i.id)!.path }));
      await probe.clean(pool);
      await probe.clean(labelledItems);
      await probe.views(labelledItems, Math.max(baselineSettings.views, config.views));
      ctx.signal.throwIfAborted();
    }
    // Partial mode: the frozen trunk is the pretrained one in every fold — its output cached once per image and view.
    trunkSource = mode === 'partial' && training.trunkCache !== 'off' ? await pretrainedClassifier(tf, meta, ctx.rng.fork('init'), ctx.logger) : null;
    const trunk = trunkSource ? trunkCacheOf(run, trunkSource, items.length + pool.length) : undefined;
    trunkCache = trunk;
    const classifier = async (): Promise<LayersModel> => shared ?? (await pretrainedClassifier(tf, meta, ctx.rng.fork('init'), ctx.logger));
    const release = (c: LayersModel): void => {
      if (c !== shared) c.dispose();
    };
    const resumeKey = resumeKeyOf(run, plugin, { evaluation: 'cv', pool: pool.map((p) => p.id), folds: folds.map((f) => [f.train, f.inner, f.heldOut]) });
    const calibration = { ...training.calibration, beta: meta.beta };
    const loop = {
      rules,
      calibratedSelection: config.calibratedSelection,
      balance: config.balance,
      softLabels: config.softLabels,
      ...(mode === 'probe' ? { poolViews: config.poolViews } : {}),
      patience: config.patience,
      maxEce: config.maxEce,
      checkpoint: training.checkpoint,
      calibration,
      posWeight: config.posWeight,
      learningRate: config.learningRate,
      restart: config.restart,
      classNames: names,
    };
    const arms = await runCvArms(
      {
        tf,
        spec: meta.spec,
        mode,
        preprocess: meta.preprocess,
        normalization: meta.normalization,
        concurrency: ctx.runtime.concurrency,
        ...(probe ? { probe } : {}),
        ...(trunk ? { trunk } : {}),
        classifier,
        release,
        baselineSettings,
        roundSettings: roundSettingsOf(run),
        checkpoint: training.checkpoint,
        loop,
        poolAugment: config.poolAugment,
        plan: planOf(run),
        labelled,
        truth,
        checkpointDir: path.join(ctx.checkpointDir, 'folds'),
        resumeKey,
        rng: ctx.rng.fork('folds'),
        logger: ctx.logger,
        signal: ctx.signal,
        onEpoch: (fold, arm, r) => ctx.metric({ phase: 'epoch', split: `r${fold.repeat + 1}f${fold.fold + 1}`, arm, ...r }),
        onRound: (fold, record, bench) => {
          ctx.metric({ ...roundMetric(record, bench, names), phase: 'cv-round', repeat: fold.repeat + 1, fold: fold.fold + 1 });
        },
        ...(oneGo
          ? {
              arm: oneGo,
              onArmEpoch: (fold: (typeof folds)[number], r: ConsistencyEpoch) => {
                armEpochs[folds.indexOf(fold)]!.push(r);
                ctx.metric(armEpochMetric(r, names, { split: `r${fold.repeat + 1}f${fold.fold + 1}`, arm: run.algorithm.name }));
              },
            }
          : {}),
      },
      folds,
    );
    for (const f of arms.folds) ctx.metric(foldMetric(f));
    const validated = validatedSettings(arms.folds, config.epochs);

    const judged = cvVerdict({
      baseline: arms.baselineRows,
      ssl: arms.sslRows,
      rule: training.checkpoint,
      beta: meta.beta,
      eceBins: config.eceBins,
      resamples: config.bootstrap,
      rng: ctx.rng.fork('verdict'),
      folds: config.cv.folds,
      repeats: config.cv.repeats,
      foldsWithKeptRound: arms.folds.filter((f) => f.ssl.round > 0).length,
      finalRounds: validated.rounds,
    });
    // Self-training that the held-out folds found worse is not shipped: the final model is then the
    // supervised baseline on every label (a choice between the two arms, made on their out-of-fold scores).
    const settings = judged.worse ? validatedSettings(arms.folds, config.epochs, true) : validated;
    const verdict: CvVerdict = { ...judged, round: settings.rounds, kept: settings.rounds > 0 };
    const arm = settings.rounds > 0 ? 'self-training' : 'supervised baseline';
    ctx.headline(`verdict: ${verdict.sentence}`);
    ctx.metric(verdictMetric(verdict));

    // The final model: every labelled image and the whole pool, the settings the folds validated.
    if (judged.worse && validated.rounds > 0) {
      ctx.logger.warn(`final model: the folds kept ${validated.rounds} round(s) on their inner validation, but the held-out folds found self-training worse: the final model is the supervised baseline, with no round`);
    }
    ctx.logger.info(
      `final model: ${describeSettings(settings, arms.folds.length, judged.worse ? 'the held-out folds found self-training worse' : undefined)} — the settings the folds validated; trained on all ${items.length} labelled images${settings.rounds > 0 ? ` + the pool (${pool.length})` : ''} with nothing held out, ` +
        `so its expected performance is the verdict's ${arm} arm (cross-validated), not a number of its own`,
    );
    const finalClassifier = await classifier();
    try {
      const labelledTrain: TrainItem[] = items.map((i) => ({ id: i.id, path: labelled.get(i.id)!.path, target: i.label }));
      const learnerOptions: TfLearnerOptions = {
        classifier: finalClassifier,
        spec: meta.spec,
        mode,
        settings: roundSettingsOf(run),
        preprocess: meta.preprocess,
        normalization: meta.normalization,
        concurrency: ctx.runtime.concurrency,
        validation: labelledTrain.map((t) => ({ id: t.id, path: t.path, label: t.target })),
        pool,
        poolAugment: config.poolAugment,
        ...(probe ? { probe } : {}),
        ...(trunk ? { trunk } : {}),
        inference: inferenceOf(run),
        evaluation: { threshold: 0.5, beta: meta.beta, eceBins: config.eceBins },
        checkpoint: FIXED_SCHEDULE_RULE,
        checkpointDir: path.join(ctx.checkpointDir, 'final'),
        resumeKey: `${resumeKey}:final`,
        restart: config.restart,
        plan: planOf(run),
        rng: ctx.rng.fork('final'),
        // Its epochs are scored on its own training images: debug lines, not estimates.
        logger: prefixed(ctx.logger, 'final model, ', true),
        signal: ctx.signal,
        onEpoch: (round, r) => ctx.metric({ phase: 'epoch', split: 'final', round, ...r }),
      };
      const learner = new TfLearner(tf, learnerOptions);
      try {
        const final = await trainFinalModel(
          {
            tf,
            classifier: finalClassifier,
            learner,
            learnerOptions,
            baselineSettings,
            labelled: labelledTrain,
            pool,
            rules,
            calibratedSelection: config.calibratedSelection,
            selection: { balance: config.balance, prior: items.filter((i) => i.label === 1).length / items.length },
            softLabels: config.softLabels,
            ...(mode === 'probe' ? { poolViews: config.poolViews } : {}),
            learningRate: config.learningRate,
            restart: config.restart,
            truth,
            classNames: names,
            checkpointDir: path.join(ctx.checkpointDir, 'final'),
            resumeKey: `${resumeKey}:final`,
            rng: ctx.rng.fork('final'),
            logger: ctx.logger,
            quietLogger: prefixed(ctx.logger, 'final model, ', true),
            signal: ctx.signal,
            onEpoch: (round, r) => ctx.metric({ phase: 'epoch', split: 'final', round, ...r }),
            ...(oneGo
              ? {
                  arm: {
                    ...oneGo,
                    onEpoch: (r: ConsistencyEpoch) => {
                      finalArmEpochs.push(r);
                      ctx.metric(armEpochMetric(r, names, { split: 'final', arm: run.algorithm.name }));
                    },
                  },
                }
              : {}),
          },
          settings,
        );
        for (const r of final.rounds) if (r.benchmark) ctx.logger.info(`final model, round ${r.round} benchmark: ${describeBenchmark(r.benchmark, names)}`);

        const modelDir = path.join(ctx.workDir, 'model');
        await saveModelFolder(tf, finalClassifier, modelDir);
        const estimate = pooledEstimate(settings.rounds > 0 ? arms.sslRows : arms.baselineRows, { beta: meta.beta, eceBins: config.eceBins });
        const finalMeta: ClassifierMeta = {
          ...meta,
          mode,
          temperature: settings.temperature,
          threshold: settings.threshold,
          epoch: final.rounds.at(-1)?.epochs ?? settings.baselineEpochs,
          metrics: { ...estimate },
          split: { train: items.map((i) => i.id), validation: [] },
          backend: run.backend,
          seed: ctx.seed,
        };
        const artifact = classifierArtifact(modelDir, finalMeta);
        const sslMeta = {
          evaluation: 'cv',
          round: final.rounds.length,
          rounds: final.rounds.length,
          validated: settings,
          stop: final.stop,
          beat: verdict.beat,
          ...(judged.worse ? { fallback: 'the held-out folds found self-training worse: the final model is the supervised baseline' } : {}),
          metricsAre: `the cross-validated estimate of this procedure (${arm} arm, ${verdict.validationImages} out-of-fold images, ${config.cv.repeats}×${config.cv.folds} folds); the model itself trained on every labelled image`,
        };
        const pseudoLabels: PseudoLabels = {
          items: final.rounds.flatMap((r) => r.picks.map((p) => ({ id: pool[p.index]!.id, path: pool[p.index]!.path, label: p.label, confidence: p.probability, round: r.round }))),
          meta: {
            note: 'the final model’s rounds (trained on every labelled image plus the pool, with the settings the folds validated); each round trained on the labelled images plus its own pseudo-labels only',
            bestRound: final.rounds.length,
            classes: meta.classes,
            calibratedSelection: config.calibratedSelection,
            rounds: final.rounds.map(finalRoundSummary),
            stop: final.stop,
          },
        };
        const baselineEstimate = evaluateOutOfFold(arms.baselineRows, { beta: meta.beta, eceBins: config.eceBins });
        const sslEstimate = evaluateOutOfFold(arms.sslRows, { beta: meta.beta, eceBins: config.eceBins });
        const rounds = final.rounds.map(finalRoundSummary);
        const stop = final.stop ? { reason: 'no-pseudo-labels', message: final.stop } : null;
        const summary = { stage: ctx.stageId, evaluation: 'cv', algorithm: run.algorithm.name, verdict, settings, finalRound: final.rounds.length, folds: arms.folds, rounds, stop };
        const values: Record<string, number> = {
          ...numeric({ ...estimate }),
          temperature: settings.temperature,
          threshold: settings.threshold,
          finalRound: final.rounds.length,
          roundsRun: final.rounds.length,
          beat: verdict.beat ? 1 : 0,
          pseudoLabels: final.rounds.at(-1)?.picks.length ?? 0,
          outOfFoldImages: verdict.validationImages,
          folds: arms.folds.length,
        };
        Object.assign(values, deltaValues(verdict.deltas));
        const figures = await renderCvFigures({ final, folds: arms.folds, verdict, classNames: names, prefix: ctx.stageId });
        if (oneGo) figures.files.push(...(await renderConsistencyFigures({ algorithm: run.algorithm.name, folds: armEpochs, final: finalArmEpochs, classNames: names, prefix: ctx.stageId })));
        return {
          model: { ...artifact, meta: { ...artifact.meta, ssl: sslMeta } },
          pseudoLabels,
          metrics: {
            values,
            // The self-training arm's pooled out-of-fold confusion (every repeat's rows).
            confusionMatrix: [
              [sslEstimate.tn, sslEstimate.fp],
              [sslEstimate.fn, sslEstimate.tp],
            ],
            extra: { evaluation: 'cv', verdict, stop, baseline: baselineEstimate, ssl: sslEstimate, rounds, folds: arms.folds, settings, classes: { negative: negName, positive: posName }, summary },
          },
          figures,
        };
      } finally {
        learner.dispose();
      }
    } finally {
      release(finalClassifier);
    }
  } finally {
    if (shared && shared !== run.classifier) shared.dispose();
    await trunkCache?.dispose();
    trunkSource?.dispose();
  }
}

/** A final round without the per-image arrays (those are in the PseudoLabels artifact). */
function finalRoundSummary(r: FinalRound): Record<string, unknown> {
  const { poolProbabilities: _p, picks: _k, benchmark, ...rest } = r;
  return { ...rest, selected: r.picks.length, ...(benchmark ? { benchmark } : {}) };
}

function foldMetric(f: FoldOutcome): MetricRecord {
  const record: MetricRecord = {
    phase: 'cv-fold',
    repeat: f.repeat + 1,
    fold: f.fold + 1,
    heldOut: f.sizes.heldOut,
    baselineEpoch: f.baseline.bestEpoch,
    keptRound: f.ssl.round,
    roundsRun: f.ssl.roundsRun,
    stop: f.ssl.stop,
  };
  for (const m of VERDICT_METRICS) {
    record[`baseline_${m}`] = f.baseline.heldOut[m];
    record[`ssl_${m}`] = f.ssl.heldOut[m];
  }
  const last = f.rounds.at(-1)?.benchmark ?? null;
  return { ...record, ...benchmarkFields(last, ['negative', 'positive']) };
}

function verdictMetric(v: CvVerdict): MetricRecord {
  return { phase: 'verdict', evaluation: 'cv', beat: v.beat, worse: v.worse, decidedBy: v.decidedBy, round: v.round, images: v.validationImages, sentence: v.sentence, ...deltaFields(v.deltas) };
}
