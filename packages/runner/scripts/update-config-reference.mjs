#!/usr/bin/env node
// Rewrites the README's experiment YAML reference (between the config-reference markers) from the core
// schema. Needs a build first: `npx tsc -b packages/runner`. Wired as `npm run docs:config`.
/* global URL, console, process */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderConfigReference } from '../dist/config/config-reference.js';

const START = '<!-- config-reference:start -->';
const END = '<!-- config-reference:end -->';
const readmeUrl = new URL('../../../README.md', import.meta.url);
const readmePath = fileURLToPath(readmeUrl);

const readme = readFileSync(readmeUrl, 'utf8');
const start = readme.indexOf(START);
const end = readme.indexOf(END);
if (start < 0 || end < start) {
  console.error(`${readmePath}: missing ${START} ... ${END} markers`);
  process.exit(1);
}
const updated = `${readme.slice(0, start + START.length)}\n${renderConfigReference().trim()}\n${readme.slice(end)}`;
if (updated === readme) {
  console.log(`${readmePath}: config reference already up to date`);
} else {
  writeFileSync(readmeUrl, updated);
  console.log(`${readmePath}: config reference updated`);
}
