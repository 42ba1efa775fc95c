// JSON Schema (draft-07) of the experiment YAML. Stage `with:` blocks are left open here: each plugin
// validates its own block against its `configSchema` (see validate-schema.ts). Every field carries a
// `description`; config-reference.ts turns this schema into the README's reference table.

import type { JsonSchema } from '@neuro-ssl/core';
import { BACKEND_PREFERENCE } from '@neuro-ssl/core/tf';

/** Stage ids: lower-case letters, digits and dashes, starting with a letter. */
export const STAGE_ID_PATTERN = '^[a-z][a-z0-9-]*$';

/** Experiment names become folder names under runs/. */
export const EXPERIMENT_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]*$';

/** "dataset", "<stageId>" or "<stageId>.<output>". */
export const STAGE_INPUT_PATTERN = '^[a-z][a-z0-9-]*(\\.[A-Za-z_][A-Za-z0-9_-]*)?$';

export const experimentSchema: JsonSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'neuro-ssl experiment',
  description: 'One experiment: where the images are, how to run, and the pipeline of stages.',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'data', 'stages'],
  properties: {
    name: {
      type: 'string',
      description: 'Experiment name; runs are written to `<runsDir>/<name>/<timestamp>/`, so it must be safe as a folder name.',
      pattern: EXPERIMENT_NAME_PATTERN,
      maxLength: 100,
    },
    seed: {
      type: 'integer',
      description: 'Master seed; each stage derives its own seed from it and its stage id.',
      default: 42,
      minimum: 0,
      maximum: 4294967295,
    },
    data: {
      type: 'object',
      description: 'The image folders and how images are read and preprocessed.',
      additionalProperties: false,
      required: ['root'],
      properties: {
        root: {
          type: 'string',
          minLength: 1,
          description: 'Dataset folder, relative to the YAML file (absolute paths are kept).',
        },
        labelled: {
          type: 'object',
          description: 'The labelled images: one sub-folder per class.',
          additionalProperties: false,
          default: {},
          properties: {
            dir: {
              type: 'string',
              minLength: 1,
              description: 'Folder of the labelled images, relative to `data.root`.',
              default: 'avec_labels',
            },
            classes: {
              type: 'object',
              description: 'Class sub-folder name → class index (indices 0..n-1, each used once).',
              default: { Cancer: 1, Normal: 0 },
              minProperties: 2,
              additionalProperties: { type: 'integer', minimum: 0, description: 'Class index.' },
            },
          },
        },
        unlabelled: {
          type: 'object',
          description: 'The unlabelled images used by semi-supervised stages (omit to use labelled images only).',
          additionalProperties: false,
          properties: {
            dir: {
              type: 'string',
              minLength: 1,
              description:
                'Folder of the unlabelled images, relative to `data.root`; searched recursively (hidden folders, and `data.labelled.dir` when it lies inside, are skipped). ' +
                'It may not be the labelled folder or one of its class folders.',
              default: 'sans_label',
            },
            labelsFile: {
              type: 'string',
              minLength: 1,
              description:
                'Benchmark only: the true classes of the unlabelled images, a CSV of `filename,label` (file names relative to `data.unlabelled.dir`, labels class names or indices), relative to the YAML file. ' +
                'Self-training reports pseudo-label accuracy against it; it never reaches training.',
            },
          },
        },
        onBadFile: {
          type: 'string',
          enum: ['skip', 'fail'],
          description: 'What to do with an unreadable, corrupt or too small image (see `data.minSize`): skip it with a warning, or stop the run.',
          default: 'skip',
        },
        minSize: {
          type: 'integer',
          minimum: 1,
          maximum: 4096,
          description:
            'Smallest width and height, in pixels, of an image worth reading: a smaller one (a 1×1 placeholder, a thumbnail strip) is a bad file (`too-small` in `data-report.json`), skipped or fatal as `data.onBadFile` says.',
          default: 32,
        },
        duplicates: {
          type: 'object',
          description:
            'Near-duplicate detection: a 64-bit DCT perceptual hash (pHash) of each decoded greyscale image, area-averaged to 32×32, so that re-encoded (JPEG ↔ PNG), resized and re-contrasted copies of a slice hash alike. ' +
            'Groups are kept on one side of every split.',
          additionalProperties: false,
          default: {},
          properties: {
            threshold: {
              type: 'integer',
              minimum: 0,
              maximum: 64,
              description:
                'Largest Hamming distance between 64-bit pHashes that counts as a near-duplicate (0 = identical hashes only); the two images\' dHashes must also be within twice as many bits. ' +
                'Copies move 0–6 bits; on Br35H the closest Cancer/Normal pair is 12 bits apart, and grouping is transitive: 10 already joins 27 images into one group, 12 chains 751. ' +
                '(It used to count bits of a dHash, default 3: a YAML tuned for that is stricter now, not looser.)',
              default: 8,
            },
            crossClass: {
              type: 'string',
              enum: ['error', 'warn'],
              description:
                'A near-duplicate group holding labelled images of two classes (a slice labelled both ways, or a copy of a validation image training with the other label): `error` stops the scan and lists the files; `warn` logs them and goes on.',
              default: 'error',
            },
          },
        },
        preprocess: {
          type: 'object',
          description: 'Image preprocessing applied before any stage sees the pixels.',
          additionalProperties: false,
          default: {},
          properties: {
            normalize: {
              type: 'boolean',
              description: 'Stretch intensities to the full 0..255 range (1st..99th percentile).',
              default: true,
            },
            // Spelled `normalise` before 0.2: accepted, with a warning naming `normalize`.
            normalise: { 'x-renamedTo': 'normalize' },
            clahe: {
              type: 'boolean',
              description: 'Contrast-limited adaptive histogram equalisation.',
              default: false,
            },
            crop: {
              type: 'string',
              enum: ['brain', 'none'],
              description: 'Crop to the brain (largest bright component), dropping frames and burned-in text near borders.',
              default: 'brain',
            },
            imageSize: {
              type: 'integer',
              minimum: 32,
              maximum: 1024,
              description: 'Square side in pixels after resizing.',
              default: 224,
            },
          },
        },
      },
    },
    runtime: {
      type: 'object',
      description: 'How the pipeline runs: TensorFlow backend, batching, caches and output folders.',
      additionalProperties: false,
      default: {},
      properties: {
        backend: {
          type: 'string',
          enum: ['auto', ...BACKEND_PREFERENCE],
          description:
            'TensorFlow.js backend; `auto` picks the first available of tensorflow-gpu, tensorflow, webgpu (a hardware GPU adapter only, never a software one), wasm, cpu.',
          default: 'auto',
        },
        batchSize: {
          type: 'integer',
          minimum: 1,
          maximum: 4096,
          description: 'Images per batch for feature extraction, training and inference.',
          default: 32,
        },
        concurrency: {
          type: 'integer',
          minimum: 1,
          maximum: 64,
          description: 'Images decoded concurrently ahead of the consumer.',
          default: 4,
        },
        inference: {
          type: 'string',
          enum: ['auto', 'onnx', 'tfjs'],
          description:
            'Engine for every forward pass that trains nothing (extract, predict): `onnx` = ONNX Runtime (onnxruntime-node, 4–7× TF.js wasm here), `tfjs` = the TensorFlow.js backend; `auto` takes ONNX Runtime when it is installed and the model translates, and logs which one runs.',
          default: 'auto',
        },
        threads: {
          type: 'integer',
          minimum: 0,
          maximum: 256,
          description: 'Threads for ONNX Runtime inference; 0 = one per core.',
          default: 0,
        },
        cacheDir: {
          type: 'string',
          minLength: 1,
          description: 'Stage output cache, relative to the YAML file (absolute paths are kept).',
          default: '.neuro-ssl/cache',
        },
        runsDir: {
          type: 'string',
          minLength: 1,
          description: 'Where run folders are written, relative to the YAML file (absolute paths are kept).',
          default: 'runs',
        },
      },
    },
    stages: {
      type: 'array',
      description: 'The pipeline, in order.',
      minItems: 1,
      items: {
        type: 'object',
        description: 'One stage.',
        additionalProperties: false,
        required: ['use'],
        properties: {
          use: {
            type: 'string',
            minLength: 1,
            description: 'The plugin: a package name (e.g. `@neuro-ssl/stage-extract`) or a path to a module, relative to the YAML file.',
          },
          id: {
            type: 'string',
            pattern: STAGE_ID_PATTERN,
            description:
              'Stage id used in `inputs` references and output folders; defaults to the short name of `use` (`@neuro-ssl/stage-extract` → `extract`), suffixed -2, -3… when repeated.',
          },
          with: {
            type: 'object',
            description: "The plugin's options, validated against the plugin's own schema.",
            default: {},
          },
          inputs: {
            type: 'object',
            description: 'Input name → `dataset`, `<stageId>` or `<stageId>.<output>`.',
            default: {},
            additionalProperties: {
              type: 'string',
              pattern: STAGE_INPUT_PATTERN,
              description: 'A reference to another stage output.',
            },
          },
        },
      },
    },
  },
};
