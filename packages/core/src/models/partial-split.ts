// `mode: partial` as two models: the frozen trunk (image → the activation entering the backbone's
// last stage) and the trainable top (that activation → the model's output). The trunk only runs
// inference with frozen BatchNorm, so its output per image and augmented view can be computed once
// and cached; the top then trains on those activations. Both models share the original's layer
// objects — no copies — so whatever the top learns is the original model's weights.

import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs';
import type { Tf } from '../tf/types.js';
import { getBackbone } from './registry.js';
import { modelNodes, type LayerNode } from './model-nodes.js';


/** A model that cannot be cut where `mode: partial` starts training (the message says why). */
export class PartialSplitError extends Error {
  override name = 'PartialSplitError';
}

export interface PartialTrunk {
  /** Image → the cut activation; shares the model's layers (do not dispose it while the model is in use). */
  trunk: LayersModel;
  /** One image's cut activation, without the batch axis (e.g. [7, 7, 56]). */
  cutShape: number[];
  /** The first layer `partial` trains: the cut is its input. */
  firstTrainable: string;
}

export interface PartialSplit extends PartialTrunk {
  /** Cut activation → the model's output: the original's own layer objects applied to a new input. */
  top: LayersModel;
}

/** Whether `partial` mode trains this layer: the backbone's last stage, or the head. */
export function isPartialTrainable(layerName: string, backboneName: string): boolean {
  return layerName.startsWith('head_') || getBackbone(backboneName).lastStage.some((prefix) => layerName.startsWith(prefix));
}

interface Cut {
  nodes: LayerNode[];
  /** Index in `nodes` of the first node partial mode trains. */
  first: number;
  tensor: SymbolicTensor;
}

function findCut(model: LayersModel, backboneName: string): Cut {
  const nodes = modelNodes(model, (m) => new PartialSplitError(m));
  const first = nodes.findIndex((n) => n.inboundLayers.length > 0 && isPartialTrainable(n.outboundLayer.name, backboneName));
  if (first < 0) throw new PartialSplitError(`${model.name}: no layer of the ${backboneName} last stage (${getBackbone(backboneName).lastStage.join(', ')}) or head: nothing for partial mode to train`);
  const node = nodes[first] as LayerNode;
  if (node.inputTensors.length !== 1) {
    throw new PartialSplitError(`${model.name}: the first layer partial mode trains, "${node.outboundLayer.name}", has ${node.inputTensors.length} inputs; the cut must be one tensor`);
  }
  return { nodes, first, tensor: node.inputTensors[0] as SymbolicTensor };
}

/**
 * The frozen part of `model` (a backbone, or a classifier built on one) in `partial` mode: image →
 * the input of the first layer partial mode trains (in topological order, so no layer it trains is
 * inside the trunk).
 */
export function partialTrunk(tf: Tf, model: LayersModel, backboneName: string): PartialTrunk {
  const cut = findCut(model, backboneName);
  const trunk = tf.model({ inputs: model.inputs, outputs: cut.tensor, name: `${model.name}_trunk` });
  return { trunk, cutShape: cut.tensor.shape.slice(1) as number[], firstTrainable: (cut.nodes[cut.first] as LayerNode).outboundLayer.name };
}

/** The nodes `tensor` depends on (its producer included). */
function upstreamOf(nodes: readonly LayerNode[], tensor: SymbolicTensor): LayerNode[] {
  const needed = new Set<number>([tensor.id]);
  const out: LayerNode[] = [];
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i] as LayerNode;
    if (!node.outputTensors.some((t) => needed.has(t.id))) continue;
    out.push(node);
    for (const t of node.inputTensors) needed.add(t.id);
  }
  return out.reverse();
}

/**
 * `model` cut where partial mode starts training: the trunk (partialTrunk) and the top, which applies
 * the same layer objects to a new input of the cut's shape. Throws PartialSplitError naming the layer
 * when a connection other than the cut crosses from the trunk into the top (a skip connection over
 * the cut: the top alone could not compute the output).
 */
export function partialSplit(tf: Tf, model: LayersModel, backboneName: string): PartialSplit {
  const trunkPart = partialTrunk(tf, model, backboneName);
  const cut = findCut(model, backboneName);
  const input = tf.input({ shape: trunkPart.cutShape, name: 'trunk_output' });
  const mapped = new Map<number, SymbolicTensor>([[cut.tensor.id, input]]);
  const upstream = new Set(upstreamOf(cut.nodes, cut.tensor));
  for (const node of cut.nodes) {
    if (upstream.has(node) || node.inboundLayers.length === 0) continue;
    const inputs = node.inputTensors.map((t) => {
      const m = mapped.get(t.id);
      if (!m) throw new PartialSplitError(`${model.name}: layer "${node.outboundLayer.name}" reads "${t.sourceLayer.name}" from the trunk besides the cut "${cut.tensor.sourceLayer.name}": a skip connection crosses the cut`);
      return m;
    });
    const out = node.outboundLayer.apply(inputs.length === 1 ? (inputs[0] as SymbolicTensor) : inputs, node.callArgs ?? {});
    const outs = (Array.isArray(out) ? out : [out]) as SymbolicTensor[];
    node.outputTensors.forEach((t, j) => mapped.set(t.id, outs[j] as SymbolicTensor));
  }
  const outputs = model.outputs.map((t) => {
    const m = mapped.get(t.id);
    if (!m) throw new PartialSplitError(`${model.name}: output "${t.name}" does not depend on the cut`);
    return m;
  });
  const top = tf.model({ inputs: input, outputs: outputs.length === 1 ? (outputs[0] as SymbolicTensor) : outputs, name: `${model.name}_top` });
  return { ...trunkPart, top };
}
