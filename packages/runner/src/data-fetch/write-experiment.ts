// The experiment that runs on the fetched data: experiments/exp02-mobilenet.yaml's chain (extract →
// cluster → train → ssl on MobileNetV2-0.35) with `weights: imagenet`, which the weights cache downloads
// on first use, instead of the shared folder only these development machines have.
// It is written inside the dataset folder, next to the data and the labels CSV it names: the fetch
// then writes nothing outside --out (one rename publishes everything, nothing of the user's is
// overwritten), it works from any folder, and `data.root: .` and the labels file stay right if the folder
// is moved.
// Runs and the stage cache go where the command was run (runs/, .neuro-ssl/cache), as exp02's do.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseExperiment } from '../config/load-experiment.js';

export const EXPERIMENT_FILE = 'br35h-quickstart.yaml';

export interface ExperimentYamlOptions {
  seed: number;
  /** Class folder → index (data.labelled.classes). */
  classes: Readonly<Record<string, number>>;
  /** The labels CSV, relative to the dataset folder. */
  labelsFile: string;
  duplicatesThreshold: number;
  /** Where the dataset folder (and this YAML) will live once published. */
  datasetDir: string;
  /** The folder whose runs/ and .neuro-ssl/cache the experiment uses (the command's working folder). */
  workDir: string;
  /** One comment line saying what was fetched. */
  provenance: string;
}

/** A path for the YAML: relative to the dataset folder when the work folder contains it, else absolute. */
function yamlPath(datasetDir: string, workDir: string, target: string): string {
  const inside = path.relative(workDir, datasetDir);
  const relative = !inside.startsWith('..') && !path.isAbsolute(inside);
  return relative ? path.relative(datasetDir, target).split(path.sep).join('/') || '.' : target;
}

// JSON strings are YAML double-quoted scalars: any path or name is written safely.
const q = (value: string): string => JSON.stringify(value);

export function experimentYaml(o: ExperimentYamlOptions): string {
  const classes = Object.entries(o.classes)
    .map(([name, index]) => `${q(name)}: ${index}`)
    .join(', ');
  return `# Br35H quick start, written by \`runner data fetch br35h\`: ${o.provenance}.
# The chain of experiments/exp02-mobilenet.yaml on this folder, with the ImageNet MobileNetV2-0.35 weights
# from the weights cache (\`weights: imagenet\`): downloaded on first use into NEURO_SSL_WEIGHTS_DIR
# (default ~/.cache/neuro-ssl/weights); offline, see \`runner weights import\`.
# ${o.labelsFile} holds the true classes of the unlabelled images: ssl reports its pseudo-label
# accuracy against it (benchmark only), nothing trains on it.
name: br35h-quickstart
seed: ${o.seed}
data:
  root: .
  labelled:
    dir: avec_labels
    classes: { ${classes} }
  unlabelled:
    dir: sans_label
    labelsFile: ${q(o.labelsFile)}
  duplicates: { threshold: ${o.duplicatesThreshold} }
  preprocess: { normalize: true, clahe: false, crop: brain, imageSize: 224 }
runtime:
  backend: auto
  batchSize: 16
  cacheDir: ${q(yamlPath(o.datasetDir, o.workDir, path.join(o.workDir, '.neuro-ssl', 'cache')))}
  runsDir: ${q(yamlPath(o.datasetDir, o.workDir, path.join(o.workDir, 'runs')))}
stages:
  - use: extract
    with:
      backbone: &backbone mobilenet_v2
      width: &width 0.35
      weights: &weights imagenet
  - use: cluster
    with:
      reducers:
        pca: { components: 50 }
        tsne: { input: pca, perplexity: 30 }
      clusterers:
        kmeans: { k: 2, nInit: 10 }
        dbscan: { eps: 1.0, minPts: 5 }
  - use: train
    with:
      backbone: *backbone
      width: *width
      weights: *weights
      mode: probe
      views: 8
      epochs: 200
      learningRate: 0.001
      posWeight: 3.0
      cv: { folds: 5, repeats: 2 }
  - use: ssl
    with:
      schedule: { type: linear, from: 0.70, to: 0.95, rounds: 11 }
      epochs: 50
      learningRate: 0.001
      restart: cold
      calibratedSelection: true
      balance: rarer
      patience: 3
      maxEce: 0.6
`;
}

/**
 * Writes the YAML into `stagingDir` (the dataset folder before it is published), checked first against
 * the core schema as if it already sat in `datasetDir`: a fetch never publishes an experiment that
 * does not load. Returns the file written.
 */
export async function writeExperiment(stagingDir: string, options: ExperimentYamlOptions): Promise<string> {
  const text = experimentYaml(options);
  parseExperiment(text, path.join(options.datasetDir, EXPERIMENT_FILE));
  const file = path.join(stagingDir, EXPERIMENT_FILE);
  await fs.writeFile(file, text, { flag: 'wx' });
  return file;
}
