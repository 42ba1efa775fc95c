// A classifier on disk, in TF.js layers format: model.json (topology + weights manifest) and
// weights.bin, loadable by tf.loadLayersModel anywhere; optionally the Adam state beside it
// (optimizer.json + optimizer.bin) so training resumes where it stopped — exactly: the moments, the
// step count and Adam's running bias-correction products (see AdamBias). Folders are written to a temp
// sibling and renamed into place: a crash never leaves half a checkpoint. A folder can be written from
// a snapshot taken earlier (snapshotModel), so training need not stop at every epoch to write one.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { LayersModel, Optimizer, Tensor, Variable, io } from '@tensorflow/tfjs';
import type { Tf } from '../tf/types.js';

export const MODEL_JSON = 'model.json';
const WEIGHTS_BIN = 'weights.bin';
const OPTIMIZER_JSON = 'optimizer.json';
const OPTIMIZER_BIN = 'optimizer.bin';

interface OptimizerFile {
  /** Adam's moments are positional (the order of the trainable weights they were made for). */
  trainableWeights: string[];
  specs: io.WeightsManifestEntry[];
  /** Adam's β₁ᵗ⁺¹ and β₂ᵗ⁺¹ as the optimizer held them (float32 values, exact in JSON). */
  adam?: AdamBias;
}

/**
 * TF.js's Adam keeps β₁ᵗ and β₂ᵗ as float32 variables multiplied by β at every step, but neither
 * saves them (getWeights) nor restores them: setWeights recomputes them as pow(β, t + 1), which differs
 * from the running float32 product in the last bits (after 50 steps, 1 − β₂ᵗ by 1.2e-6 relative). Every
 * update after a resume was then scaled slightly differently — the 1.4e-6 drift of a resumed training.
 * Saving the products themselves makes a resumed step bit-identical.
 */
interface AdamBias {
  accBeta1: number;
  accBeta2: number;
}

/** The optimizer's running bias-correction products, when it is an Adam (its private fields). */
function adamVariables(optimizer: Optimizer): { accBeta1: Variable; accBeta2: Variable } | null {
  const o = optimizer as unknown as { accBeta1?: Variable; accBeta2?: Variable };
  const isVariable = (v: unknown): v is Variable => typeof v === 'object' && v !== null && typeof (v as Variable).assign === 'function';
  return isVariable(o.accBeta1) && isVariable(o.accBeta2) ? { accBeta1: o.accBeta1, accBeta2: o.accBeta2 } : null;
}

interface NamedTensor {
  name: string;
  tensor: Tensor;
}

/**
 * What a model folder holds, taken at one moment and kept in memory: the model's weights (and
 * optionally the optimizer's slots and Adam's β products) as clones. A clone shares its variable's
 * data and is immutable: the next training step assigns the variables new tensors and leaves these be,
 * so a snapshot costs no copy, and writing it later gives the bytes a save at that moment would have.
 * Dispose it with disposeSnapshot.
 */
export interface ModelSnapshot {
  /** model.weights in order, by originalName (what LayersModel.save encodes). */
  weights: NamedTensor[];
  optimizer?: {
    /** optimizer.getWeights(): the step count (a fresh scalar, owned here), then the moments. */
    slots: NamedTensor[];
    bias: { accBeta1: Tensor; accBeta2: Tensor } | null;
  };
}

/** The model's weights, and the optimizer's state when given, as they are now (see ModelSnapshot). */
export async function snapshotModel(tf: Tf, model: LayersModel, optimizer?: Optimizer): Promise<ModelSnapshot> {
  const weights = model.weights.map((w) => ({ name: w.originalName, tensor: tf.clone(w.read()) }));
  if (!optimizer) return { weights };
  // getWeights() makes a fresh scalar for the step count (kept); the moments are the optimizer's own (cloned).
  const slots = (await optimizer.getWeights()).map((w) => (w.name === 'iter' ? w : { name: w.name, tensor: tf.clone(w.tensor) }));
  const adam = adamVariables(optimizer);
  const bias = adam ? { accBeta1: tf.clone(adam.accBeta1), accBeta2: tf.clone(adam.accBeta2) } : null;
  return { weights, optimizer: { slots, bias } };
}

export function disposeSnapshot(tf: Tf, snapshot: ModelSnapshot): void {
  tf.dispose(snapshot.weights.map((w) => w.tensor));
  if (snapshot.optimizer) {
    tf.dispose(snapshot.optimizer.slots.map((w) => w.tensor));
    if (snapshot.optimizer.bias) tf.dispose([snapshot.optimizer.bias.accBeta1, snapshot.optimizer.bias.accBeta2]);
  }
}

const toBytes = (data: io.WeightData | undefined): Uint8Array => {
  if (data === undefined) return new Uint8Array();
  const buffers = Array.isArray(data) ? data : [data];
  return Buffer.concat(buffers.map((b) => new Uint8Array(b)));
};

/**
 * Writes `dir` (replacing it atomically if it exists), with the optimizer state and extra JSON
 * files (e.g. the training state) when given: all or nothing lands.
 */
export async function saveModelFolder(tf: Tf, model: LayersModel, dir: string, optimizer?: Optimizer, extra: Record<string, unknown> = {}): Promise<void> {
  const snapshot = await snapshotModel(tf, model, optimizer);
  try {
    await writeModelFolder(tf, model, dir, snapshot, extra);
  } finally {
    disposeSnapshot(tf, snapshot);
  }
}

/**
 * Writes a snapshot of `model` to `dir` as saveModelFolder does (the topology is the model's, which
 * training does not change): the same files, byte for byte, as a save at the snapshot's moment.
 */
export async function writeModelFolder(tf: Tf, model: LayersModel, dir: string, snapshot: ModelSnapshot, extra: Record<string, unknown> = {}): Promise<void> {
  // What LayersModel.save hands a save handler: the topology (toJSON) and the encoded named weights.
  const weights = await tf.io.encodeWeights(snapshot.weights);
  const modelJson = {
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
    convertedBy: null,
    modelTopology: model.toJSON(null, false),
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: weights.specs }],
  };
  const files: [string, string | Uint8Array][] = [
    [MODEL_JSON, JSON.stringify(modelJson)],
    [WEIGHTS_BIN, toBytes(weights.data)],
  ];
  if (snapshot.optimizer) {
    const { slots, bias } = snapshot.optimizer;
    const { data, specs } = await tf.io.encodeWeights(slots.map((w, i) => ({ name: `${i}:${stableSlotName(slots.length, i, w.name, model)}`, tensor: w.tensor })));
    const file: OptimizerFile = {
      trainableWeights: model.trainableWeights.map((w) => w.originalName),
      specs,
      ...(bias ? { adam: { accBeta1: (await bias.accBeta1.data())[0]!, accBeta2: (await bias.accBeta2.data())[0]! } } : {}),
    };
    files.push([OPTIMIZER_JSON, JSON.stringify(file)], [OPTIMIZER_BIN, toBytes(data)]);
  }
  for (const [name, value] of Object.entries(extra)) files.push([name, `${JSON.stringify(value, null, 2)}\n`]);
  const temp = `${dir}.tmp-${process.pid}`;
  await fs.rm(temp, { recursive: true, force: true });
  await fs.mkdir(temp, { recursive: true });
  await Promise.all(files.map(([name, content]) => fs.writeFile(path.join(temp, name), content)));
  const old = `${dir}.old-${process.pid}`;
  const existed = await fs.rename(dir, old).then(
    () => true,
    () => false,
  );
  await fs.rename(temp, dir);
  if (existed) await fs.rm(old, { recursive: true, force: true });
}

/**
 * The name an optimizer slot is saved under. TF.js names Adam's moments after the variables'
 * registered names, which carry a per-process counter (`dense_Dense3/kernel_2/m` when the layers were
 * built a second time), so the same state would get other bytes in another process. Slots are restored
 * by position; the name is for people: `iter`, then `<weight>/m` for each trainable weight, then `/v`.
 */
function stableSlotName(count: number, i: number, name: string, model: LayersModel): string {
  if (i === 0 && name === 'iter') return 'iter';
  const weights = model.trainableWeights.map((w) => w.originalName);
  const moments = (count - 1) / 2;
  if (!Number.isInteger(moments) || moments !== weights.length) return `slot${i}`;
  const k = i - 1;
  return `${weights[k % moments]}/${k < moments ? 'm' : 'v'}`;
}

interface ModelFiles {
  topology: object;
  specs: io.WeightsManifestEntry[];
  weightData: ArrayBuffer;
}

async function readModelFiles(dir: string): Promise<ModelFiles> {
  const file = path.join(dir, MODEL_JSON);
  let json: { modelTopology?: object; weightsManifest?: { paths: string[]; weights: io.WeightsManifestEntry[] }[] };
  try {
    json = JSON.parse(await fs.readFile(file, 'utf8')) as typeof json;
  } catch (err) {
    throw new Error(`cannot read the model at ${file}: ${(err as Error).message} (expected a folder written by the train stage)`);
  }
  const groups = json.weightsManifest ?? [];
  const buffers = await Promise.all(groups.flatMap((g) => g.paths).map((p) => fs.readFile(path.join(dir, p))));
  const bytes = Buffer.concat(buffers);
  return {
    topology: json.modelTopology ?? {},
    specs: groups.flatMap((g) => g.weights),
    weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
  };
}

/** The saved classifier as a new LayersModel. */
export async function loadModelFolder(tf: Tf, dir: string): Promise<LayersModel> {
  const { topology, specs, weightData } = await readModelFiles(dir);
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: topology, weightSpecs: specs, weightData }));
}

/** Copies the saved weights into an already built model of the same architecture (by weight name). */
export async function restoreWeights(tf: Tf, model: LayersModel, dir: string): Promise<void> {
  const { specs, weightData } = await readModelFiles(dir);
  const tensors = tf.io.decodeWeights(weightData, specs);
  try {
    const missing: string[] = [];
    const values = model.weights.map((w) => {
      const t = tensors[w.originalName];
      if (!t) missing.push(w.originalName);
      return t;
    });
    if (missing.length) throw new Error(`checkpoint ${dir} lacks ${missing.length} weight(s) of the model, e.g. ${missing.slice(0, 3).join(', ')}`);
    model.setWeights(values as NonNullable<(typeof values)[number]>[]);
  } finally {
    tf.dispose(Object.values(tensors));
  }
}

/** Restores Adam's state saved with the model; false when the folder holds none. */
export async function restoreOptimizer(tf: Tf, optimizer: Optimizer, model: LayersModel, dir: string): Promise<boolean> {
  let file: OptimizerFile;
  try {
    file = JSON.parse(await fs.readFile(path.join(dir, OPTIMIZER_JSON), 'utf8')) as OptimizerFile;
  } catch {
    return false;
  }
  const now = model.trainableWeights.map((w) => w.originalName);
  if (now.join('\n') !== file.trainableWeights.join('\n')) {
    throw new Error(`optimizer state in ${dir} was saved for other trainable weights (${file.trainableWeights.length} vs ${now.length} now)`);
  }
  const bytes = await fs.readFile(path.join(dir, OPTIMIZER_BIN));
  const decoded = tf.io.decodeWeights(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength), file.specs);
  const named = file.specs.map((s) => ({ name: s.name.slice(s.name.indexOf(':') + 1), tensor: decoded[s.name]! }));
  await optimizer.setWeights(named);
  tf.dispose(Object.values(decoded));
  // setWeights recomputed Adam's β products as pow(β, t + 1); put back the exact running ones.
  const bias = adamVariables(optimizer);
  if (bias && file.adam) {
    const { accBeta1, accBeta2 } = file.adam;
    tf.tidy(() => {
      bias.accBeta1.assign(tf.scalar(accBeta1));
      bias.accBeta2.assign(tf.scalar(accBeta2));
    });
  }
  return true;
}
