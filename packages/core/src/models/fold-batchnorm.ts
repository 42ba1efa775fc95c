// BatchNorm folding for inference. A BatchNormalization layer in inference mode is a per-channel
// affine map y = (x − mean)·γ/√(var + ε) + β; when its only input is the output of a Conv2D or
// DepthwiseConv2D that nothing else reads, it can be merged into that convolution:
//
//   kernel' = kernel · s   (s = γ/√(var + ε), per output channel: the last kernel axis of a Conv2D,
//                           input channel × depth multiplier for a depthwise kernel [kh, kw, in, mult])
//   bias'   = β + (bias − mean) · s   (bias = 0 when the conv had none)
//
// On the wasm backend BatchNorm is a slow kernel of its own (bench/extract/profile.mjs: 55% of
// MobileNetV2's forward pass); folded, it becomes the conv's bias add. The result is a NEW model —
// every layer rebuilt from its class and config, weights copied (TF.js tensors are immutable, so the
// copies share buffers by reference count, never in-place state) — so the original keeps working
// and may still be trained; the folded one is for inference only (it has no BatchNorm statistics
// left to update).

import type { LayersModel, SymbolicTensor, Tensor } from '@tensorflow/tfjs';
import type { Logger } from '../progress/logger.js';
import type { Tf } from '../tf/types.js';
import { modelNodes, type Layer, type LayerNode } from './model-nodes.js';

type LayerConfig = Record<string, unknown>;

const FOLDABLE_CONVS: ReadonlySet<string> = new Set(['Conv2D', 'DepthwiseConv2D']);
const BATCH_NORM = 'BatchNormalization';

/** A layer foldBatchNorm cannot rebuild (the caller then runs the unfolded model). */
export class FoldBatchNormError extends Error {
  override name = 'FoldBatchNormError';
}

export interface FoldBatchNormReport {
  /** The new inference-only model (same inputs and outputs). */
  model: LayersModel;
  /** Each BatchNormalization merged into its convolution. */
  folded: { batchNorm: string; conv: string }[];
  /** BatchNormalization layers kept as they are, with the reason. */
  kept: { batchNorm: string; reason: string }[];
}

/**
 * A new functional model computing what `model` computes in inference mode, with every
 * BatchNormalization whose sole input is a Conv2D / DepthwiseConv2D output read by nothing else
 * merged into that convolution. Throws FoldBatchNormError naming the layer when one cannot be rebuilt.
 */
export function foldBatchNorm(tf: Tf, model: LayersModel): LayersModel {
  return foldBatchNormReport(tf, model).model;
}

/**
 * foldBatchNorm for a model that only runs inference: the folded model (the caller disposes it as
 * well as the original when `!== model`), or `model` itself when there is nothing to fold or a layer
 * cannot be rebuilt (then with a warning). Logs one line saying how many BatchNorm layers were folded.
 */
export function foldForInference(tf: Tf, model: LayersModel, logger?: Logger): LayersModel {
  let report: FoldBatchNormReport;
  try {
    report = foldBatchNormReport(tf, model);
  } catch (err) {
    if (!(err instanceof FoldBatchNormError)) throw err;
    logger?.warn(`${err.message}; running ${model.name} without BatchNorm folding`);
    return model;
  }
  const kept = report.kept.length ? `; ${report.kept.length} left as they are (${report.kept.map((k) => `${k.batchNorm}: ${k.reason}`).join('; ')})` : '';
  logger?.debug(`BatchNorm folding: ${report.folded.length} BatchNormalization layer(s) of ${model.name} merged into their convolutions${kept}`);
  if (report.folded.length === 0) {
    report.model.dispose();
    return model;
  }
  return report.model;
}

/** foldBatchNorm plus what was folded and what was not. */
export function foldBatchNormReport(tf: Tf, model: LayersModel): FoldBatchNormReport {
  const nodes = modelNodes(model, (m) => new FoldBatchNormError(`foldBatchNorm: ${m}`));

  // How many nodes of this model read each tensor (a model output counts as a reader), and how many
  // times each layer is applied in it.
  const readers = new Map<number, number>();
  const applications = new Map<Layer, number>();
  for (const node of nodes) {
    applications.set(node.outboundLayer, (applications.get(node.outboundLayer) ?? 0) + 1);
    if (isInputNode(node)) continue;
    for (const t of node.inputTensors) readers.set(t.id, (readers.get(t.id) ?? 0) + 1);
  }
  for (const t of model.outputs) readers.set(t.id, (readers.get(t.id) ?? 0) + 1);

  // Plan: conv layer → the BatchNormalization folded into it.
  const foldInto = new Map<Layer, Layer>();
  const folded: FoldBatchNormReport['folded'] = [];
  const kept: FoldBatchNormReport['kept'] = [];
  for (const node of nodes) {
    const bn = node.outboundLayer;
    if (bn.getClassName() !== BATCH_NORM) continue;
    const reason = whyNotFoldable(node, readers, applications);
    if (reason) {
      if (!kept.some((k) => k.batchNorm === bn.name)) kept.push({ batchNorm: bn.name, reason });
      continue;
    }
    const conv = node.inboundLayers[0] as Layer;
    foldInto.set(conv, bn);
    folded.push({ batchNorm: bn.name, conv: conv.name });
  }
  const foldedBn = new Set(foldInto.values());

  const rebuilt = new Map<Layer, Layer>();
  const created: Layer[] = [];
  const mapped = new Map<number, SymbolicTensor>();
  const lookup = (t: SymbolicTensor): SymbolicTensor => {
    const m = mapped.get(t.id);
    if (!m) throw new FoldBatchNormError(`foldBatchNorm: tensor ${t.name} of ${model.name} is used before it is computed (not a topologically ordered graph)`);
    return m;
  };
  try {
    for (const input of model.inputs) {
      if (mapped.has(input.id)) continue;
      mapped.set(input.id, tf.input({ batchShape: [...input.shape], dtype: input.dtype, name: input.sourceLayer.name }));
    }
    for (const node of nodes) {
      const layer = node.outboundLayer;
      if (isInputNode(node)) {
        if (!node.outputTensors.every((t) => mapped.has(t.id))) {
          throw new FoldBatchNormError(`foldBatchNorm: input layer "${layer.name}" of ${model.name} is not one of the model's inputs`);
        }
        continue;
      }
      const inputs = node.inputTensors.map(lookup);
      if (foldedBn.has(layer)) {
        // The conv it folds into produced the new output already: the BatchNorm's output is that.
        mapped.set((node.outputTensors[0] as SymbolicTensor).id, lookup(node.inputTensors[0] as SymbolicTensor));
        continue;
      }
      const bn = foldInto.get(layer);
      // A layer applied more than once (shared weights) is rebuilt once and applied as often.
      const first = !rebuilt.has(layer);
      const fresh = rebuilt.get(layer) ?? rebuildLayer(tf, layer, bn ? { useBias: true } : {});
      if (first) {
        created.push(fresh);
        rebuilt.set(layer, fresh);
      }
      const out = fresh.apply(inputs.length === 1 ? (inputs[0] as SymbolicTensor) : inputs, node.callArgs ?? {});
      const outs = (Array.isArray(out) ? out : [out]) as SymbolicTensor[];
      if (outs.length !== node.outputTensors.length) {
        throw new FoldBatchNormError(`foldBatchNorm: layer "${layer.name}" (${layer.getClassName()}) rebuilt gives ${outs.length} outputs instead of ${node.outputTensors.length}`);
      }
      node.outputTensors.forEach((t, j) => mapped.set(t.id, outs[j] as SymbolicTensor));
      if (first) copyWeights(tf, layer, fresh, bn); // built by its first apply
    }
    const inputs = model.inputs.map(lookup);
    const outputs = model.outputs.map(lookup);
    const result = tf.model({ inputs, outputs, name: model.name });
    result.trainable = false;
    return { model: result, folded, kept };
  } catch (err) {
    for (const layer of created) {
      try {
        if (layer.built) layer.dispose();
      } catch {
        /* already disposed */
      }
    }
    if (err instanceof FoldBatchNormError) throw err;
    throw new FoldBatchNormError(`foldBatchNorm: ${(err as Error).message}`);
  }
}

/** Why the BatchNormalization applied at `node` cannot be folded, or null when it can. */
function whyNotFoldable(node: LayerNode, readers: Map<number, number>, applications: Map<Layer, number>): string | null {
  const bn = node.outboundLayer;
  if ((applications.get(bn) ?? 0) !== 1) return 'applied more than once';
  if (node.inputTensors.length !== 1) return 'more than one input';
  const conv = node.inboundLayers[0] as Layer;
  const input = node.inputTensors[0] as SymbolicTensor;
  if (!FOLDABLE_CONVS.has(conv.getClassName())) return `input from ${conv.getClassName()} "${conv.name}", not a convolution`;
  if ((applications.get(conv) ?? 0) !== 1) return `convolution "${conv.name}" is applied more than once`;
  if ((readers.get(input.id) ?? 0) !== 1) return `the output of "${conv.name}" is also read elsewhere`;
  const convConfig = conv.getConfig() as LayerConfig;
  if (convConfig.activation !== 'linear') return `convolution "${conv.name}" has activation ${String(convConfig.activation)}`;
  if (convConfig.dataFormat !== undefined && convConfig.dataFormat !== 'channelsLast') return `convolution "${conv.name}" is ${String(convConfig.dataFormat)}`;
  const axis = (bn.getConfig() as LayerConfig).axis;
  const rank = input.shape.length;
  if (axis !== -1 && axis !== rank - 1) return `normalises axis ${JSON.stringify(axis)}, not the channel axis`;
  return null;
}

function isInputNode(node: LayerNode): boolean {
  return node.inboundLayers.length === 0;
}

/** A new layer of the same class from the layer's config (with `override`), not yet built. */
function rebuildLayer(tf: Tf, layer: Layer, override: LayerConfig): Layer {
  const className = layer.getClassName();
  if (layer instanceof tf.LayersModel) {
    throw new FoldBatchNormError(`foldBatchNorm: cannot rebuild layer "${layer.name}": a nested model (${className}) is not supported`);
  }
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[className];
  if (!entry) throw new FoldBatchNormError(`foldBatchNorm: cannot rebuild layer "${layer.name}" of class ${className} (not a registered TF.js layer class)`);
  const [cls, fromConfig] = entry;
  let fresh: unknown;
  try {
    fresh = fromConfig(cls, { ...withoutInitializers(layer.getConfig() as LayerConfig), ...override } as Parameters<typeof fromConfig>[1]);
  } catch (err) {
    throw new FoldBatchNormError(`foldBatchNorm: cannot rebuild layer "${layer.name}" of class ${className} from its config (${(err as Error).message})`);
  }
  if (!(fresh instanceof tf.layers.Layer) || fresh.getClassName() !== className) {
    throw new FoldBatchNormError(`foldBatchNorm: cannot rebuild layer "${layer.name}" of class ${className} (its class does not rebuild into a layer)`);
  }
  return fresh as Layer;
}

/**
 * The config with every initializer replaced by zeros: the weights are overwritten right after the
 * layer is built, and drawing ResNet34's 21M random numbers first would take seconds.
 */
function withoutInitializers(config: LayerConfig): LayerConfig {
  const out: LayerConfig = { ...config };
  for (const key of Object.keys(out)) if (key.endsWith('Initializer') && out[key] != null) out[key] = { className: 'Zeros', config: {} };
  return out;
}

/** Copies `from`'s weights into its rebuilt copy; with `bn`, folds that BatchNormalization into them. */
function copyWeights(tf: Tf, from: Layer, to: Layer, bn: Layer | undefined): void {
  if (!bn) {
    if (from.weights.length !== to.weights.length) {
      throw new FoldBatchNormError(`foldBatchNorm: layer "${from.name}" (${from.getClassName()}) rebuilt has ${to.weights.length} weights instead of ${from.weights.length}`);
    }
    // getWeights() returns the variables' own tensors: assigned, not disposed.
    to.setWeights(from.getWeights());
    return;
  }
  const values = foldedWeights(from, bn);
  const tensors = [tf.tensor(values.kernel, values.kernelShape, 'float32'), tf.tensor(values.bias, [values.bias.length], 'float32')];
  try {
    to.setWeights(tensors);
  } finally {
    tf.dispose(tensors);
  }
}

function role(w: Layer['weights'][number]): string {
  return w.originalName.slice(w.originalName.lastIndexOf('/') + 1);
}

/** kernel·s and β + (bias − mean)·s, s = γ/√(var + ε), computed in float64 and rounded once. */
function foldedWeights(conv: Layer, bn: Layer): { kernel: Float32Array; kernelShape: number[]; bias: Float32Array } {
  const read = (layer: Layer, name: string): Float32Array | null => {
    const w = layer.weights.find((v) => role(v) === name);
    return w ? ((w.read() as Tensor).dataSync() as Float32Array) : null;
  };
  const kernelVar = conv.weights.find((w) => role(w) === 'kernel' || role(w) === 'depthwise_kernel');
  if (!kernelVar) throw new FoldBatchNormError(`foldBatchNorm: convolution "${conv.name}" has no kernel weight`);
  const kernelShape = [...kernelVar.shape] as number[];
  const kernel = (kernelVar.read() as Tensor).dataSync() as Float32Array;
  // Conv2D [kh, kw, in, out]; depthwise [kh, kw, in, mult] whose output channel is in·mult + m.
  const channels = conv.getClassName() === 'DepthwiseConv2D' ? (kernelShape[2] as number) * (kernelShape[3] as number) : (kernelShape[3] as number);
  const mean = read(bn, 'moving_mean');
  const variance = read(bn, 'moving_variance');
  if (!mean || !variance) throw new FoldBatchNormError(`foldBatchNorm: "${bn.name}" has no moving statistics`);
  const gamma = read(bn, 'gamma');
  const beta = read(bn, 'beta');
  const oldBias = read(conv, 'bias');
  for (const [name, v] of [['moving_mean', mean], ['moving_variance', variance], ['gamma', gamma], ['beta', beta], ['conv bias', oldBias]] as const) {
    if (v && v.length !== channels) throw new FoldBatchNormError(`foldBatchNorm: "${bn.name}" ${name} has ${v.length} values for the ${channels} channels of "${conv.name}"`);
  }
  const epsilon = Number((bn.getConfig() as LayerConfig).epsilon);
  const scale = new Float64Array(channels);
  const bias = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const s = (gamma ? (gamma[c] as number) : 1) / Math.sqrt((variance[c] as number) + epsilon);
    scale[c] = s;
    bias[c] = (beta ? (beta[c] as number) : 0) + ((oldBias ? (oldBias[c] as number) : 0) - (mean[c] as number)) * s;
  }
  const out = new Float32Array(kernel.length);
  for (let i = 0; i < kernel.length; i++) out[i] = (kernel[i] as number) * (scale[i % channels] as number);
  return { kernel: out, kernelShape, bias };
}
