// A classifier's logit per image with nothing trained: validation predictions after each epoch, the
// self-training pool's scores each round. On ONNX Runtime the classifier is exported afresh for each
// call — its weights change between calls — which costs a fraction of the forward pass it replaces
// (debug line: export and forward times).

import type { LayersModel } from '@tensorflow/tfjs';
import type { ImageBatchItem } from '../image/image-batches.js';
import { foldForInference } from '../models/fold-batchnorm.js';
import { createInferenceEngine, type InferenceRequest } from '../models/onnx/inference-engine.js';
import { runOnImages, type RunOnImagesOptions } from '../models/run-on-images.js';
import type { Logger } from '../progress/logger.js';
import type { Tf } from '../tf/types.js';

/** Which engine runs inference-only passes, from the runtime (`runtime.inference`, `runtime.threads`). */
export interface InferenceSetting {
  request: InferenceRequest;
  threads: number;
}

export interface ImageLogitsOptions extends Omit<RunOnImagesOptions, 'outputDim' | 'engine'> {
  /** Absent: TF.js on the classifier as it is. */
  inference?: InferenceSetting;
  /** The engine line, once per distinct message (these calls repeat every epoch or round). */
  logger: Logger;
}

/** Row i = the logit of items[i]. */
export async function imageLogits(tf: Tf, classifier: LayersModel, items: readonly ImageBatchItem[], options: ImageLogitsOptions): Promise<Float32Array> {
  const { inference, logger, ...run } = options;
  if (!inference) return runOnImages(tf, classifier, items.slice(), { ...run, outputDim: 1 });
  const started = performance.now();
  const folded = foldForInference(tf, classifier);
  try {
    const engine = await createInferenceEngine(tf, folded, { request: inference.request, threads: inference.threads, logger: onceLogger(logger) });
    const exported = performance.now();
    try {
      const logits = await runOnImages(tf, folded, items.slice(), { ...run, outputDim: 1, engine });
      onceLogger(logger).info(`${classifier.name}: inference-only passes on ${engine.description}`);
      logger.debug(`${classifier.name} on ${engine.name}: export ${(exported - started).toFixed(0)} ms, forward pass of ${items.length} images ${(performance.now() - exported).toFixed(0)} ms`);
      return logits;
    } finally {
      await engine.dispose();
    }
  } finally {
    if (folded !== classifier) folded.dispose();
  }
}

const seen = new WeakMap<Logger, { logger: Logger; lines: Set<string> }>();

/** `logger`, but each distinct info/warn line only the first time (debug and error as they come). */
function onceLogger(logger: Logger): Logger {
  let entry = seen.get(logger);
  if (!entry) {
    const lines = new Set<string>();
    const once =
      (write: (m: string) => void) =>
      (m: string): void => {
        if (lines.has(m)) return;
        lines.add(m);
        write(m);
      };
    entry = {
      lines,
      logger: {
        debug: (m) => logger.debug(m),
        info: once((m) => logger.info(m)),
        warn: once((m) => logger.warn(m)),
        error: (m) => logger.error(m),
        child: (scope) => logger.child(scope),
      },
    };
    seen.set(logger, entry);
  }
  return entry.logger;
}
