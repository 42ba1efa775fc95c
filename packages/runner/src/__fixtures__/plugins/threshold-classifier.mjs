// Test plugin: classifies labelled rows by thresholding feature 0, reports accuracy, draws a figure.
// `holdFile` makes it wait until that file exists (lets a test kill the process mid-stage);
// `fail` makes it throw (exit code 1 path).
import { existsSync, promises as fs } from 'node:fs';
import sharp from 'sharp';

export const plugin = {
  name: 'threshold-classifier',
  version: '1.0.0',
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      threshold: { type: 'number', default: 0.5 },
      fail: { type: 'boolean', default: false },
      holdFile: { type: 'string' },
    },
  },
  inputs: { features: 'FeatureTable' },
  outputs: { metrics: 'Metrics', plot: 'Figure' },
  async run(ctx, config, { features }) {
    if (config.holdFile) {
      await fs.writeFile(`${config.holdFile}.waiting`, String(process.pid));
      while (!existsSync(config.holdFile)) {
        if (ctx.signal.aborted) return {};
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    if (config.fail) throw new Error('asked to fail by the test');
    let correct = 0;
    let n = 0;
    for (let i = 0; i < features.ids.length; i++) {
      if (features.labels[i] < 0) continue;
      const predicted = features.values[i * features.dim] > config.threshold ? 1 : 0;
      correct += predicted === features.labels[i] ? 1 : 0;
      n++;
    }
    ctx.metric({ step: 1, accuracy: correct / n });
    ctx.headline(`accuracy ${correct}/${n}`);
    const png = await sharp({ create: { width: 8, height: 4, channels: 3, background: '#336699' } }).png().toBuffer();
    return {
      metrics: { values: { accuracy: correct / n, n } },
      plot: { files: [{ name: 'threshold.png', format: 'png', data: new Uint8Array(png), title: 'threshold' }] },
    };
  },
};
