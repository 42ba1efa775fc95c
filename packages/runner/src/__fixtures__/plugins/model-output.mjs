// Test plugin: outputs a prepared Model artifact folder (meta.json + model/) as its `model` output,
// standing in for the train stage so that tests can check the run folder export and `runner predict`.
import { promises as fs } from 'node:fs';
import path from 'node:path';

export const plugin = {
  name: 'model-output',
  version: '1.0.0',
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['source'],
    properties: { source: { type: 'string' } },
  },
  inputs: {},
  outputs: { model: 'Model' },
  async run(_ctx, config) {
    const meta = JSON.parse(await fs.readFile(path.join(config.source, 'meta.json'), 'utf8'));
    return { model: { dir: path.join(config.source, 'model'), meta } };
  },
};
