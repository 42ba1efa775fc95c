// PyTorch efficientnet_b0 state dicts → our "layer/role" keys. Two namings are accepted (the tensors
// and the architecture are the same; torchvision's IMAGENET1K_V1 file is timm's ra_in1k checkpoint):
//
//   torchvision                          timm                         our layer
//   features.0.0.weight                  conv_stem.weight             features_0_0/kernel
//   features.0.1.{weight,bias,running_*} bn1.*                        features_0_1/{gamma,beta,moving_*}
//   features.1.0.block.0.0.weight        blocks.0.0.conv_dw.weight    features_1_0_block_0_0/depthwise_kernel
//   features.1.0.block.1.fc1.*           blocks.0.0.se.conv_reduce.*  features_1_0_block_1_fc1/{kernel,bias}
//   features.1.0.block.2.{0,1}           blocks.0.0.{conv_pw,bn2}     (project conv, BN)
//   features.S.J.block.0.{0,1}           blocks.S-1.J.{conv_pw,bn1}   (expand conv, BN; S = 2..7)
//   features.S.J.block.1.{0,1}           blocks.S-1.J.{conv_dw,bn2}   (depthwise conv, BN)
//   features.S.J.block.2.fc{1,2}         blocks.S-1.J.se.conv_{reduce,expand}
//   features.S.J.block.3.{0,1}           blocks.S-1.J.{conv_pwl,bn3}  (project conv, BN)
//   features.8.{0,1}                     conv_head, bn2
//   classifier.1.* (dropped)             classifier.* (dropped)
//
// `num_batches_tracked` is ignored and the classifier is dropped (the backbone ends at the pooling);
// every other name that does not map — or maps onto a weight another name already filled — is passed
// through under its own name, so assignNamedWeights reports it as unexpected and nothing is loaded.

import type { LayersModel } from '@tensorflow/tfjs';
import type { Tf } from '../../tf/types.js';
import {
  assignNamedWeights,
  depthwiseToHwc1,
  oihwToHwio,
  WeightMismatchError,
  type MisshapedTensor,
  type NamedTensor,
  type StateDict,
} from '../../weights/state-dict.js';
import { EFFICIENTNET_B0_STAGES } from './efficientnet.js';

export type EfficientNetNaming = 'torchvision' | 'timm';

/** BatchNorm parameter → TF.js weight role. */
const BN_ROLES: Record<string, string> = { weight: 'gamma', bias: 'beta', running_mean: 'moving_mean', running_var: 'moving_variance' };
const BN_PARAMS: Record<string, string> = Object.fromEntries(Object.entries(BN_ROLES).map(([p, r]) => [r, p]));

/** Whether torchvision stage `features.S` (1..7) has no expansion conv (expand ratio 1, torchvision's DS-like block). */
function stageWithoutExpansion(stage: number): boolean {
  return EFFICIENTNET_B0_STAGES[stage - 1]?.expandRatio === 1;
}

const TIMM_DS: Record<string, string> = {
  conv_dw: 'block.0.0',
  bn1: 'block.0.1',
  'se.conv_reduce': 'block.1.fc1',
  'se.conv_expand': 'block.1.fc2',
  conv_pw: 'block.2.0',
  bn2: 'block.2.1',
};
const TIMM_IR: Record<string, string> = {
  conv_pw: 'block.0.0',
  bn1: 'block.0.1',
  conv_dw: 'block.1.0',
  bn2: 'block.1.1',
  'se.conv_reduce': 'block.2.fc1',
  'se.conv_expand': 'block.2.fc2',
  conv_pwl: 'block.3.0',
  bn3: 'block.3.1',
};
const TIMM_TOP: Record<string, string> = { conv_stem: 'features.0.0', bn1: 'features.0.1', conv_head: 'features.8.0', bn2: 'features.8.1' };
const invert = (m: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(m).map(([k, v]) => [v, k]));
const TORCHVISION_DS = invert(TIMM_DS);
const TORCHVISION_IR = invert(TIMM_IR);
const TORCHVISION_TOP = invert(TIMM_TOP);

/** timm module path → torchvision module path (undefined when it is not part of efficientnet_b0). */
export function timmToTorchvisionPath(path: string): string | undefined {
  if (TIMM_TOP[path]) return TIMM_TOP[path];
  const m = /^blocks\.(\d+)\.(\d+)\.(.+)$/.exec(path);
  if (!m) return undefined;
  const stage = Number(m[1]) + 1;
  if (stage > EFFICIENTNET_B0_STAGES.length) return undefined;
  const sub = (stageWithoutExpansion(stage) ? TIMM_DS : TIMM_IR)[m[3] as string];
  return sub ? `features.${stage}.${m[2]}.${sub}` : undefined;
}

/** torchvision module path → timm module path (undefined when there is none). */
export function torchvisionToTimmPath(path: string): string | undefined {
  if (TORCHVISION_TOP[path]) return TORCHVISION_TOP[path];
  const m = /^features\.(\d+)\.(\d+)\.(block\..+)$/.exec(path);
  if (!m) return undefined;
  const stage = Number(m[1]);
  if (stage < 1 || stage > EFFICIENTNET_B0_STAGES.length) return undefined;
  const sub = (stageWithoutExpansion(stage) ? TORCHVISION_DS : TORCHVISION_IR)[m[3] as string];
  return sub ? `blocks.${stage - 1}.${m[2]}.${sub}` : undefined;
}

type ModuleKind = 'conv' | 'depthwise' | 'se-conv' | 'bn';

/** What a torchvision efficientnet_b0 module path holds, or undefined when it is not one of its weighted modules. */
function torchvisionModuleKind(path: string): ModuleKind | undefined {
  if (/^features\.[08]\.0$/.test(path)) return 'conv';
  if (/^features\.[08]\.1$/.test(path)) return 'bn';
  const m = /^features\.(\d+)\.(\d+)\.block\.(\d+)\.(0|1|fc1|fc2)$/.exec(path);
  if (!m) return undefined;
  const stage = Number(m[1]);
  if (stage < 1 || stage > EFFICIENTNET_B0_STAGES.length) return undefined;
  const index = Number(m[3]);
  const part = m[4] as string;
  // Block layout: [expand]?, depthwise, SE, project.
  const first = stageWithoutExpansion(stage) ? 0 : 1; // index of the depthwise conv
  if (part === 'fc1' || part === 'fc2') return index === first + 1 ? 'se-conv' : undefined;
  if (index === first + 1 || index > first + 2) return undefined;
  if (part === '1') return 'bn';
  return index === first ? 'depthwise' : 'conv';
}

/** The TF.js role and layout conversion for `param` of a module of `kind` (undefined: not a weight of it). */
function roleOf(kind: ModuleKind, param: string): string | undefined {
  if (kind === 'bn') return BN_ROLES[param];
  if (param === 'weight') return kind === 'depthwise' ? 'depthwise_kernel' : 'kernel';
  return kind === 'se-conv' && param === 'bias' ? 'bias' : undefined;
}

function convert(role: string, t: NamedTensor): NamedTensor {
  // Only rank-4 tensors are re-laid out; anything else goes through as is and fails the shape check.
  if (t.shape.length !== 4) return t;
  if (role === 'depthwise_kernel' && t.shape[1] === 1) return depthwiseToHwc1(t);
  if (role === 'kernel' || role === 'depthwise_kernel') return oihwToHwio(t);
  return t;
}

/** A TF.js shape of `role` back in PyTorch layout, for messages. */
function torchShape(role: string, shape: number[]): number[] {
  if (shape.length !== 4) return shape;
  const [h, w, i, o] = shape as [number, number, number, number];
  return role === 'depthwise_kernel' ? [i, o, h, w] : role === 'kernel' ? [o, i, h, w] : shape;
}

export interface MappedEfficientNetWeights {
  /** "layer/role" → tensor in TF.js layout; unmapped names are kept under their own name. */
  tensors: Map<string, NamedTensor>;
  /** Our key → the file's name (every entry of `tensors` has one). */
  sourceNames: Map<string, string>;
  /** Our key → the file's tensor shape (PyTorch layout). */
  sourceShapes: Map<string, number[]>;
  /** Which naming the file uses (by its first recognised name); torchvision when none is recognised. */
  naming: EfficientNetNaming;
  /** Names dropped on purpose (classifier, num_batches_tracked). */
  dropped: string[];
}

/** Maps a torchvision- or timm-named efficientnet_b0 state dict onto our layer/role keys (no copying into a model). */
export function mapEfficientNetB0StateDict(stateDict: StateDict): MappedEfficientNetWeights {
  const tensors = new Map<string, NamedTensor>();
  const sourceNames = new Map<string, string>();
  const sourceShapes = new Map<string, number[]>();
  const dropped: string[] = [];
  let naming: EfficientNetNaming | undefined;
  const keep = (key: string, name: string, t: NamedTensor): void => {
    tensors.set(key, t);
    sourceNames.set(key, name);
    sourceShapes.set(key, t.shape);
  };
  for (const [name, t] of stateDict) {
    const dot = name.lastIndexOf('.');
    const param = name.slice(dot + 1);
    if (param === 'num_batches_tracked' || name.startsWith('classifier.')) {
      dropped.push(name);
      continue;
    }
    const modulePath = name.slice(0, Math.max(dot, 0));
    let tvPath: string | undefined;
    let fromTimm = false;
    if (torchvisionModuleKind(modulePath)) tvPath = modulePath;
    else {
      tvPath = timmToTorchvisionPath(modulePath);
      fromTimm = tvPath !== undefined;
    }
    const kind = tvPath ? torchvisionModuleKind(tvPath) : undefined;
    const role = kind ? roleOf(kind, param) : undefined;
    const key = tvPath && role ? `${tvPath.replace(/\./g, '_')}/${role}` : undefined;
    if (!key || tensors.has(key)) {
      // Not an efficientnet_b0 weight, or a second tensor for the same weight: reported as unexpected.
      keep(name, name, t);
      continue;
    }
    naming ??= fromTimm ? 'timm' : 'torchvision';
    keep(key, name, convert(role as string, t));
    sourceShapes.set(key, t.shape);
  }
  return { tensors, sourceNames, sourceShapes, naming: naming ?? 'torchvision', dropped };
}

/** Our "layer/role" key → the name the file would use for it, in `naming`. */
export function sourceNameOf(key: string, naming: EfficientNetNaming): string {
  const slash = key.lastIndexOf('/');
  const layer = key.slice(0, slash);
  const role = key.slice(slash + 1);
  const tvPath = layer.replace(/_/g, '.');
  const kind = torchvisionModuleKind(tvPath);
  const param = kind === 'bn' ? BN_PARAMS[role] : role === 'bias' ? 'bias' : 'weight';
  const path = naming === 'timm' ? (torchvisionToTimmPath(tvPath) ?? tvPath) : tvPath;
  return `${path}.${param ?? role}`;
}

/**
 * Copies a torchvision- or timm-named efficientnet_b0 state dict into a model built by
 * buildEfficientNetB0. Throws WeightMismatchError (names and shapes in the file's own naming and
 * PyTorch layout) when anything is missing, unexpected or mis-shaped; nothing is loaded then.
 */
export function loadEfficientNetB0StateDict(tf: Tf, model: LayersModel, stateDict: StateDict, origin: string): void {
  const mapped = mapEfficientNetB0StateDict(stateDict);
  try {
    assignNamedWeights(tf, model, mapped.tensors, origin, mapped.sourceNames);
  } catch (err) {
    if (!(err instanceof WeightMismatchError)) throw err;
    // Same findings, told in the file's terms: its names, PyTorch layouts.
    const keyBySource = new Map([...mapped.sourceNames].map(([key, name]) => [name, key]));
    const roleOfKey = (key: string): string => key.slice(key.lastIndexOf('/') + 1);
    const missing = err.missing.map((m) => ({ name: sourceNameOf(m.name, mapped.naming), shape: torchShape(roleOfKey(m.name), m.shape) }));
    const unexpected = err.unexpected.map((u) => {
      const key = keyBySource.get(u.name);
      return { name: u.name, shape: (key === undefined ? undefined : mapped.sourceShapes.get(key)) ?? u.shape };
    });
    const misshaped: MisshapedTensor[] = err.misshaped.map((m) => {
      const key = keyBySource.get(m.name) ?? m.name;
      return { name: m.name, expected: torchShape(roleOfKey(key), m.expected), got: mapped.sourceShapes.get(key) ?? m.got };
    });
    throw new WeightMismatchError(err.source, missing, unexpected, misshaped);
  }
}
