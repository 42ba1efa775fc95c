// Resolves a stage's `use:` to a plugin object. Three spellings:
//   extract                    short name → @neuro-ssl/stage-extract
//   @acme/stage-foo, foo-pkg   a package name, resolved from the YAML's folder, then from the runner
//   ./plugins/my-stage.js      a module path relative to the YAML file
// Third-party plugins therefore need no change in this repo.

import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isStagePlugin, type AnyStagePlugin } from '@neuro-ssl/core';
import { suggest } from '@neuro-ssl/core/config';

export interface ResolvedPlugin {
  plugin: AnyStagePlugin;
  /** The module file the specifier resolved to. */
  resolvedFrom: string;
}

export class PluginResolveError extends Error {}

const SHORT_NAME = /^[a-z][a-z0-9-]*$/;

/** The short names that resolve here: the runner's own stage packages (@neuro-ssl/stage-<name>). */
export function knownShortNames(): string[] {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { dependencies?: Record<string, string> };
  return Object.keys(pkg.dependencies ?? {})
    .map((name) => /^@neuro-ssl\/stage-([a-z0-9-]+)$/.exec(name)?.[1])
    .filter((name): name is string => name !== undefined)
    .sort();
}

/** A near miss for a `use:` that did not load: a short name, or a module file beside the one named. */
function didYouMean(use: string, yamlDir: string): string | undefined {
  if (use.startsWith('.') || path.isAbsolute(use)) {
    const file = path.resolve(yamlDir, use);
    let siblings: string[];
    try {
      siblings = readdirSync(path.dirname(file));
    } catch {
      return undefined;
    }
    const near = suggest(path.basename(file), siblings);
    // Keep the spelling of the folder part as written (./plugins/…).
    return near && near !== path.basename(file) ? `${use.slice(0, use.length - path.basename(use).length)}${near}` : undefined;
  }
  const shortNames = knownShortNames();
  const near = suggest(use.replace(/^@neuro-ssl\/stage-/, ''), shortNames);
  return near && near !== use ? near : undefined;
}

export function specifierFor(use: string): string {
  if (use.startsWith('.') || path.isAbsolute(use)) return use;
  return SHORT_NAME.test(use) && !use.includes('/') && !use.startsWith('stage-') ? `@neuro-ssl/stage-${use}` : use;
}

async function importModule(use: string, yamlDir: string): Promise<{ module: Record<string, unknown>; from: string }> {
  if (use.startsWith('.') || path.isAbsolute(use)) {
    const file = path.resolve(yamlDir, use);
    return { module: (await import(pathToFileURL(file).href)) as Record<string, unknown>, from: file };
  }
  const specifier = specifierFor(use);
  // Prefer a package installed next to the experiment (a user's own project), then ours.
  try {
    const resolved = createRequire(path.join(yamlDir, 'noop.js')).resolve(specifier);
    return { module: (await import(pathToFileURL(resolved).href)) as Record<string, unknown>, from: resolved };
  } catch {
    // Ours (a dependency of the runner): the file it resolves to, so the cache key can hash its code.
    const resolved = fileURLToPath(import.meta.resolve(specifier));
    return { module: (await import(pathToFileURL(resolved).href)) as Record<string, unknown>, from: resolved };
  }
}

export async function resolvePlugin(use: string, yamlDir: string): Promise<ResolvedPlugin> {
  let loaded: { module: Record<string, unknown>; from: string };
  try {
    loaded = await importModule(use, yamlDir);
  } catch (err) {
    const specifier = specifierFor(use);
    const hint =
      specifier !== use
        ? `"${use}" is short for the package ${specifier}, which is not installed`
        : use.startsWith('.') || path.isAbsolute(use)
          ? `no loadable module at ${path.resolve(yamlDir, use)}`
          : `the package ${use} is not installed (npm install ${use})`;
    const near = didYouMean(use, yamlDir);
    if (near) {
      const known = specifier !== use ? `stages here: ${knownShortNames().join(', ')}; ` : '';
      throw new PluginResolveError(`unknown stage plugin "${use}" — did you mean ${near}? (${known}${hint})`);
    }
    const shortNames = specifier !== use ? ` (stages here: ${knownShortNames().join(', ')})` : '';
    throw new PluginResolveError(`cannot load stage plugin "${use}": ${hint}${shortNames} (${(err as Error).message.split('\n')[0]})`);
  }
  const candidates = [loaded.module.default, loaded.module.plugin, loaded.module.stage];
  const plugin = candidates.find(isStagePlugin);
  if (!plugin) {
    throw new PluginResolveError(
      `"${use}" (${loaded.from}) does not export a stage plugin: expected a default export (or export named "plugin") ` +
        'with name, version, configSchema, inputs, outputs and run()',
    );
  }
  return { plugin, resolvedFrom: loaded.from };
}
