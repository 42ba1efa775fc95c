// The backbone registry. Adding a backbone = one folder exporting a BackboneDefinition + one line here.

import type { BackboneDefinition } from './backbone.js';
import { efficientnetB0 } from './efficientnet/index.js';
import { mobilenetV2 } from './mobilenet-v2/index.js';
import { resnet18, resnet34 } from './resnet/index.js';

const registry = new Map<string, BackboneDefinition>();

function registerBackbone(definition: BackboneDefinition): void {
  if (registry.has(definition.name)) throw new Error(`a backbone named "${definition.name}" is already registered`);
  registry.set(definition.name, definition);
}

for (const definition of [resnet18, resnet34, efficientnetB0, mobilenetV2]) registerBackbone(definition);

export function backboneNames(): string[] {
  return [...registry.keys()];
}

export function getBackbone(name: string): BackboneDefinition {
  const definition = registry.get(name);
  if (!definition) throw new Error(`unknown backbone "${name}"; registered backbones: ${backboneNames().join(', ')}`);
  return definition;
}

export function listBackbones(): BackboneDefinition[] {
  return [...registry.values()];
}
