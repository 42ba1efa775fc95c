// Example third-party stage plugin: a two-number "feature" per image (mean and std of the raw grey
// values, via sharp). Plain JS loaded by path (`use: ../examples/plugins/intensity-features.mjs`),
// with no build step and no change to this repository: the shape every stage plugin has.
// The end-to-end tests run it too.
import { promises as fs } from 'node:fs';
import sharp from 'sharp';

export default {
  name: 'intensity-features',
  version: '1.0.0',
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      scale: { type: 'number', default: 1, description: 'multiplies every feature' },
      channel: { enum: ['grey', 'red'], default: 'grey' },
    },
  },
  inputs: { dataset: 'DatasetIndex' },
  outputs: { features: 'FeatureTable' },
  async run(ctx, config, { dataset }) {
    const images = dataset.images;
    const values = new Float32Array(images.length * 2);
    const bar = ctx.progress({ label: 'features', total: images.length, unit: 'img' });
    for (const [i, rec] of images.entries()) {
      if (ctx.signal.aborted) break;
      const stats = await sharp(await fs.readFile(rec.path)).greyscale().stats();
      values[i * 2] = (stats.channels[0].mean / 255) * config.scale;
      values[i * 2 + 1] = (stats.channels[0].stdev / 255) * config.scale;
      bar.tick();
    }
    bar.done();
    ctx.metric({ step: 0, images: images.length });
    ctx.logger.info(`computed ${images.length} feature rows (rng check ${ctx.rng.next().toFixed(6)})`);
    return {
      features: {
        ids: images.map((r) => r.id),
        paths: images.map((r) => r.path),
        splits: images.map((r) => r.split),
        labels: images.map((r) => r.label),
        dim: 2,
        values,
        meta: { plugin: 'intensity-features', scale: config.scale },
      },
    };
  },
};
