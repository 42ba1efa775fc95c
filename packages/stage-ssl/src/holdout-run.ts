// `evaluation: holdout`: self-training on the input model's own split — the labelled training ids
// and the fixed validation ids it was calibrated on. Rounds are kept or rolled back on the validation
// images, and the verdict is computed on the same images: fine for a large labelled set, optimistic
// for a small one (which is what `evaluation: cv` is for; the log says so).

import path from 'node:path';
import type { MetricRecord, PseudoLabels } from '@neuro-ssl/core';
import { classifierArtifact, saveModelFolder, type ClassifierMeta } from '@neuro-ssl/core/learn';
import { benchmarkRound, type PseudoLabelBenchmark } from './benchmark.js';
import { type SslOutputs, type SslRun, armSettingsOf, inferenceOf, planOf, probeCache, resumeKeyOf, roundSettingsOf, trunkCacheOf } from './run-context.js';
import { renderSslFigures } from './ssl-figures.js';
import { renderConsistencyFigures } from './consistency-figures.js';
import type { ConsistencyEpoch } from './algorithms/consistency-training.js';
import { TfLearner } from './ssl-learner.js';
import { runArmAsRound } from './arm-round.js';
import { describeScore, runSslLoop, type LoopState, type RoundRecord } from './ssl-loop.js';
import { armEpochMetric, describeBenchmark, numeric, readTruth, roundMetric, roundSummary, scoreSummary } from './ssl-report.js';
import { sslSplit } from './ssl-split.js';
import { describeRoundRule } from './threshold-schedule.js';
import { deltaFields, deltaValues, sslVerdict, verdictCandidate, type Verdict } from './verdict.js';

export async function runHoldout(run: SslRun, plugin: { name: string; version: string }): Promise<SslOutputs> {
  const { ctx, config, dataset, meta, names, mode, tf, classifier, schedule, rules, training } = run;
  const [negName, posName] = names;
  const { labelled, validation, pool, excluded } = sslSplit(dataset, meta);
  if (excluded.length) {
    ctx.logger.info(`${excluded.length} unlabelled image(s) left out of the pool: near-duplicates of validation images (${excluded.slice(0, 3).join(', ')}${excluded.length > 3 ? ', …' : ''})`);
  }
  ctx.logger.warn(
    `evaluation: holdout — rounds are kept or rolled back on the same ${validation.length} validation images the verdict is computed on, so the verdict is optimistic; evaluation: cv scores both arms on images that chose nothing`,
  );
  const prior = labelled.filter((t) => t.target === 1).length / labelled.length;
  const truth = readTruth(ctx, run.poolLabels, pool);
  ctx.logger.info(
    `self-training ${meta.spec.backbone} (${mode}${mode !== meta.mode ? `; the model was trained as ${meta.mode}` : ''}) on ${run.backend}: ${labelled.length} labelled training + ${validation.length} validation images (the model's split), ` +
      `${pool.length} unlabelled; ${schedule.type} schedule ${rules.map(describeRoundRule).join(', ')}; ${config.epochs} epochs per round, lr ${config.learningRate}, restart ${config.restart}`,
  );

  const probe = mode === 'probe' ? probeCache(run, classifier, meta.mode === 'probe') : undefined;
  if (probe) {
    // The backbone's passes up front, with one progress bar each: the pool (clean, for scoring) and
    // the labelled training views. A view depends on its image alone, so computing lazily would give
    // the same features; pool views (`poolViews` > 0) are computed when a round first needs them.
    await probe.clean(pool);
    await probe.views(labelled, config.views);
    ctx.signal.throwIfAborted();
  }
  // Partial mode: the classifier's frozen trunk, cached per image and view for every round.
  const trunk = trunkCacheOf(run, classifier, labelled.length + validation.length + pool.length);
  const checkpoint = training.checkpoint;
  const calibration = { ...training.calibration, beta: meta.beta };
  const resumeKey = resumeKeyOf(run, plugin, { pool: pool.map((p) => p.id) });
  const learner = new TfLearner(tf, {
    classifier,
    spec: meta.spec,
    mode,
    settings: roundSettingsOf(run),
    preprocess: meta.preprocess,
    normalization: meta.normalization,
    concurrency: ctx.runtime.concurrency,
    validation,
    pool,
    poolAugment: config.poolAugment,
    ...(probe ? { probe } : {}),
    ...(trunk ? { trunk } : {}),
    inference: inferenceOf(run),
    evaluation: { threshold: 0.5, beta: meta.beta, eceBins: config.eceBins },
    checkpoint,
    checkpointDir: ctx.checkpointDir,
    resumeKey,
    restart: config.restart,
    plan: planOf(run),
    rng: ctx.rng.fork('train'),
    logger: ctx.logger,
    progress: ctx.progress,
    signal: ctx.signal,
    onEpoch: (round, r) => ctx.metric({ phase: 'epoch', round, ...r }),
  });

  try {
    const benchmarks: (PseudoLabelBenchmark | null)[] = [];
    const poolIds = pool.map((p) => p.id);
    const onRound = (record: RoundRecord): void => {
      const bench = truth ? benchmarkRound(record.picks, poolIds, record.poolProbabilities, truth) : null;
      if (bench) ctx.logger.info(`round ${record.round} benchmark: ${describeBenchmark(bench, names)}`);
      ctx.metric(roundMetric(record, bench, names));
    };
    // A one-go algorithm (FixMatch, FlexMatch, a plugin's) runs as one round from the input model.
    const oneGo = run.algorithm.kind === 'arm' ? run.algorithm : null;
    // Its epochs, for the mask-rate, threshold and pseudo-label accuracy figures (as under cv).
    const armEpochs: ConsistencyEpoch[] = [];
    const state = oneGo
      ? await runArmAsRound(learner, {
          algorithm: oneGo,
          options: run.algorithmOptions,
          context: {
            tf,
            mode,
            classifier,
            spec: meta.spec,
            preprocess: meta.preprocess,
            normalization: meta.normalization,
            concurrency: ctx.runtime.concurrency,
            ...(probe ? { probe } : {}),
            labelled,
            pool,
            validation,
            settings: armSettingsOf(run),
            evaluation: { threshold: 0.5, beta: meta.beta, eceBins: config.eceBins },
            prior,
            truth: truth ? Float32Array.from(pool, (p) => truth.get(p.id) ?? Number.NaN) : null,
            checkpointDir: path.join(ctx.checkpointDir, oneGo.name),
            resumeKey: `${resumeKey}:${oneGo.name}`,
            rng: ctx.rng.fork(oneGo.name),
            logger: ctx.logger,
            signal: ctx.signal,
          },
          resumeKey,
          checkpoint,
          validationLabels: validation.map((v) => v.label),
          calibration,
          calibratedSelection: config.calibratedSelection,
          posWeight: config.posWeight,
          maxEce: config.maxEce,
          classNames: names,
          logger: ctx.logger,
          onEpoch: (r) => {
            armEpochs.push(r);
            ctx.metric(armEpochMetric(r, names, { arm: oneGo.name }));
          },
          onRound,
        })
      : await runSslLoop(learner, {
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
          onRound,
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
      backend: run.backend,
      seed: ctx.seed,
    };
    const artifact = classifierArtifact(modelDir, finalMeta);
    const sslMeta = { evaluation: 'holdout', round: final.round, rounds: state.rounds.length, stop: state.stop, beat: verdict.beat, baselineEpoch: meta.epoch, baselineSeed: meta.seed };

    const pseudoLabels: PseudoLabels = {
      items: state.rounds.flatMap((r) => r.picks.map((p) => ({ id: pool[p.index]!.id, path: pool[p.index]!.path, label: p.label, confidence: p.probability, round: r.round }))),
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
      evaluation: 'holdout',
      verdict,
      stop: state.stop,
      finalRound: final.round,
      baseline: scoreSummary(state.baseline),
      final: scoreSummary(final.score),
      rounds: state.rounds.map((r, i) => ({ ...roundSummary(r), ...(benchmarks[i] ? { benchmark: benchmarks[i] } : {}) })),
    };

    const figures = await renderSslFigures({ state, benchmarks, classNames: names, beta: meta.beta, prefix: ctx.stageId, title: `${meta.spec.backbone} ${mode}` });
    if (oneGo) figures.files.push(...(await renderConsistencyFigures({ algorithm: oneGo.name, folds: [], final: armEpochs, classNames: names, prefix: ctx.stageId })));
    const e = final.score.evaluation;
    const values: Record<string, number> = {
      ...numeric({ ...e, eceBeforeTemperature: final.score.rawEce, temperature: final.score.temperature, threshold: final.score.threshold, valLoss: final.score.loss }),
      finalRound: final.round,
      roundsRun: state.rounds.length,
      beat: verdict.beat ? 1 : 0,
      pseudoLabels: final.round === 0 ? 0 : state.rounds[final.round - 1]!.picks.length,
    };
    Object.assign(values, deltaValues(verdict.deltas));
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
        extra: { evaluation: 'holdout', verdict, stop: state.stop, baseline: state.baseline.evaluation, rounds: summary.rounds, classes: { negative: negName, positive: posName }, summary },
      },
      figures,
    };
  } finally {
    learner.dispose();
    await probe?.dispose();
    await trunk?.dispose();
  }
}

function verdictMetric(v: Verdict, state: LoopState): MetricRecord {
  return { phase: 'verdict', beat: v.beat, round: v.round, kept: v.kept, stop: state.stop?.reason ?? null, sentence: v.sentence, ...deltaFields(v.deltas) };
}
