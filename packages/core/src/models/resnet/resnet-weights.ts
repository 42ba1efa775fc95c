// PyTorch ResNet state dicts → our ResNet layers. torchvision and timm name ResNet18/34 weights the
// same way (timm's ResNet started as a copy of torchvision's; its BasicBlock has conv1/bn1/conv2/bn2,
// its default downsample is nn.Sequential(conv, bn) → downsample.0 / downsample.1, its classifier is
// `fc`; act1/act2/maxpool/aa/drop_block have no parameters):
//   conv1.weight                         → conv1/kernel              (OIHW → HWIO)
//   bn1.weight / bias                    → bn1/gamma / beta
//   bn1.running_mean / running_var       → bn1/moving_mean / moving_variance
//   layer2.0.downsample.0.weight         → layer2_0_downsample_0/kernel
//   layer2.0.downsample.1.running_var    → layer2_0_downsample_1/moving_variance
//   *.num_batches_tracked                → ignored (a counter, not a weight)
//   fc.weight / fc.bias                  → dropped (the backbone ends at the pooled features)
// Anything else passes through under a derived key, so assignNamedWeights reports it as unexpected
// instead of it being silently ignored. Errors name the file's own tensors, in PyTorch layout.

import type { LayersModel } from '@tensorflow/tfjs';
import type { Tf } from '../../tf/types.js';
import { assignNamedWeights, oihwToHwio, WeightMismatchError, type MisshapedTensor, type NamedTensor, type StateDict } from '../../weights/state-dict.js';

/** The classifier's tensors in torchvision and timm ResNets: not part of the backbone. */
export const RESNET_CLASSIFIER_TENSORS: ReadonlySet<string> = new Set(['fc.weight', 'fc.bias']);

const BN_ROLES: Record<string, string> = { weight: 'gamma', bias: 'beta', running_mean: 'moving_mean', running_var: 'moving_variance' };
const TORCH_ROLES: Record<string, string> = { gamma: 'weight', beta: 'bias', moving_mean: 'running_mean', moving_variance: 'running_var', kernel: 'weight' };

const isConvModule = (module: string): boolean => /(^|\.)conv\d*$/.test(module) || /(^|\.)downsample\.0$/.test(module);
const isBnModule = (module: string): boolean => /(^|\.)bn\d*$/.test(module) || /(^|\.)downsample\.1$/.test(module);

export interface MappedResNetWeights {
  /** Our "layerName/role" key → tensor in TF.js layout. */
  tensors: Map<string, NamedTensor>;
  /** Our key → the file's tensor name, for messages. */
  sourceNames: Map<string, string>;
  /** File tensors deliberately left out (classifier, num_batches_tracked). */
  dropped: string[];
}

/** Maps a torchvision/timm ResNet state dict to our layer keys (conv kernels transposed to HWIO). */
export function mapResNetStateDict(state: StateDict): MappedResNetWeights {
  const tensors = new Map<string, NamedTensor>();
  const sourceNames = new Map<string, string>();
  const dropped: string[] = [];
  for (const [name, tensor] of state) {
    if (RESNET_CLASSIFIER_TENSORS.has(name) || name.endsWith('.num_batches_tracked') || name === 'num_batches_tracked') {
      dropped.push(name);
      continue;
    }
    const dot = name.lastIndexOf('.');
    const module = dot < 0 ? '' : name.slice(0, dot);
    const param = dot < 0 ? name : name.slice(dot + 1);
    const layer = module.replaceAll('.', '_');
    let key = `${layer}/${param}`;
    let value = tensor;
    if (isConvModule(module) && param === 'weight') {
      key = `${layer}/kernel`;
      // Only a 4-D tensor can be transposed; anything else is passed on as is and fails the shape check.
      if (tensor.shape.length === 4) value = oihwToHwio(tensor);
    } else if (isBnModule(module) && Object.hasOwn(BN_ROLES, param)) {
      key = `${layer}/${BN_ROLES[param]}`;
    }
    if (tensors.has(key)) throw new Error(`ResNet weights: tensors "${sourceNames.get(key)}" and "${name}" both map to ${key}`);
    tensors.set(key, value);
    sourceNames.set(key, name);
  }
  return { tensors, sourceNames, dropped };
}

/** "layer2_0_downsample_0/kernel" → "layer2.0.downsample.0.weight" (for messages only). */
function torchNameOf(key: string): string {
  const slash = key.lastIndexOf('/');
  const role = key.slice(slash + 1);
  return `${key.slice(0, slash).replaceAll('_', '.')}.${TORCH_ROLES[role] ?? role}`;
}

/** An HWIO kernel shape back in PyTorch's OIHW order (other shapes unchanged), for messages. */
function torchShapeOf(key: string, shape: number[]): number[] {
  if (!key.endsWith('/kernel') || shape.length !== 4) return shape;
  const [h, w, i, o] = shape as [number, number, number, number];
  return [o, i, h, w];
}

/**
 * Copies a torchvision/timm ResNet state dict into a model built by buildResNet. Throws
 * WeightMismatchError (names and shapes in PyTorch terms) unless every model weight is matched
 * exactly once with the right shape; nothing is changed then.
 */
export function loadResNetStateDict(tf: Tf, model: LayersModel, state: StateDict, origin: string): void {
  const { tensors, sourceNames } = mapResNetStateDict(state);
  try {
    assignNamedWeights(tf, model, tensors, origin, sourceNames);
  } catch (err) {
    if (!(err instanceof WeightMismatchError)) throw err;
    const sourceKey = new Map([...sourceNames].map(([k, v]) => [v, k]));
    const keyOf = (name: string): string => sourceKey.get(name) ?? name;
    throw new WeightMismatchError(
      err.source,
      err.missing.map((m) => ({ name: `${torchNameOf(m.name)} (${m.name})`, shape: torchShapeOf(m.name, m.shape) })),
      err.unexpected.map((u) => ({ name: u.name, shape: torchShapeOf(keyOf(u.name), u.shape) })),
      err.misshaped.map(
        (m): MisshapedTensor => ({ name: m.name, expected: torchShapeOf(keyOf(m.name), m.expected), got: torchShapeOf(keyOf(m.name), m.got) }),
      ),
    );
  }
}
