// A layers model's graph as TF.js keeps it: the nodes (layer applications) that compute its outputs,
// in topological order — what graph rewrites (BatchNorm folding, the partial split) walk.

import type { LayersModel } from '@tensorflow/tfjs';

export type Layer = LayersModel['layers'][number];
export type LayerNode = Layer['inboundNodes'][number];

/** The nodes computing the model's outputs, inputs first; `error` makes the exception for a missing node. */
export function modelNodes(model: LayersModel, error: (message: string) => Error = (m) => new Error(m)): LayerNode[] {
  const nodeOf = (layer: Layer, index: number): LayerNode => {
    const node = layer.inboundNodes[index];
    if (!node) throw error(`layer "${layer.name}" of ${model.name} has no node ${index}`);
    return node;
  };
  const order: LayerNode[] = [];
  const done = new Set<LayerNode>();
  const stack: [LayerNode, boolean][] = model.outputs.map((t): [LayerNode, boolean] => [nodeOf(t.sourceLayer, t.nodeIndex), false]).reverse();
  while (stack.length) {
    const [node, expanded] = stack.pop() as [LayerNode, boolean];
    if (done.has(node)) continue;
    if (expanded) {
      done.add(node);
      order.push(node);
      continue;
    }
    stack.push([node, true]);
    for (let i = node.inboundLayers.length - 1; i >= 0; i--) {
      const child = nodeOf(node.inboundLayers[i] as Layer, node.nodeIndices[i] as number);
      if (!done.has(child)) stack.push([child, false]);
    }
  }
  return order;
}
