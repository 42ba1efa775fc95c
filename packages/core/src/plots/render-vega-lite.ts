// The one rendering path every chart shares, headless: Vega-Lite spec -> Vega -> SVG string
// (renderer 'none', no canvas needed), then sharp (librsvg) -> PNG at 2x density. Same spec gives
// the same SVG and PNG bytes, in any process and whatever was drawn before: Vega numbers clip paths
// and gradients with module-wide counters (clip7, gradient_3 after a few charts), so the ids are
// renumbered per document before the bytes leave here (figures are hashed artifacts).

import sharp from 'sharp';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export interface RenderedPlot {
  svg: Uint8Array;
  png: Uint8Array;
  /** Vega / Vega-Lite warnings (normally none); errors reject instead. */
  warnings: string[];
}

/** PNG density: 72 dpi is 1 SVG px per pixel, so 144 renders at 2x. */
const PNG_DENSITY = 144;

/** Collects Vega / Vega-Lite log output instead of printing it to the console. */
function collectingLogger(sink: string[]): vega.LoggerInterface {
  let lvl = vega.Warn;
  const push = (kind: string) => (...args: readonly unknown[]) => {
    sink.push(`${kind}: ${args.map(String).join(' ')}`);
    return logger;
  };
  const logger = {
    level(l?: number) {
      if (l === undefined) return lvl;
      lvl = l;
      return logger;
    },
    error: push('error'),
    warn: push('warn'),
    info: () => logger,
    debug: () => logger,
  } as unknown as vega.LoggerInterface;
  return logger;
}

/**
 * Renders a Vega-Lite spec to SVG (UTF-8 bytes) and PNG (2x). `title` only names the chart in
 * error messages. Rejects when Vega or Vega-Lite logs an error (a half-drawn chart is worse than none).
 */
export async function renderVegaLite(spec: TopLevelSpec, title: string): Promise<RenderedPlot> {
  const messages: string[] = [];
  const logger = collectingLogger(messages);
  const vgSpec = compile(spec, { logger }).spec;
  const view = new vega.View(vega.parse(vgSpec), { renderer: 'none', logger, logLevel: vega.Warn });
  let svgText: string;
  try {
    svgText = await view.toSVG();
  } finally {
    view.finalize();
  }
  const errors = messages.filter((m) => m.startsWith('error:'));
  if (errors.length > 0) throw new Error(`vega reported errors for "${title}": ${errors.join('; ')}`);
  const warnings = messages.filter((m) => !m.startsWith('error:'));
  const svg = new TextEncoder().encode(renumberSvgIds(svgText));
  const png = await sharp(Buffer.from(svg), { density: PNG_DENSITY }).png().toBuffer();
  return { svg, png: new Uint8Array(png.buffer, png.byteOffset, png.byteLength), warnings };
}

/** The ids Vega's SVG renderer invents: clip paths (`clip<n>`), gradients (`gradient_<n>`, `p_gradient_<n>` for radial ones). */
const VEGA_ID = /(id="|url\(#)(p_)?(clip|gradient_)(\d+)(?=[")])/g;

/**
 * Renumbers Vega's process-wide clip and gradient ids by order of first appearance in this document
 * (clip1, clip2…; gradient_0, gradient_1…), at their definitions and their url(#…) references alike.
 * Text content never matches: only `id="…"` and `url(#…)` are rewritten.
 */
export function renumberSvgIds(svg: string): string {
  const ids = new Map<string, string>();
  let clips = 0;
  let gradients = 0;
  return svg.replace(VEGA_ID, (_match, context: string, radial: string | undefined, kind: string, n: string) => {
    const key = `${kind}${n}`;
    let id = ids.get(key);
    if (id === undefined) {
      id = kind === 'clip' ? `clip${++clips}` : `gradient_${gradients++}`;
      ids.set(key, id);
    }
    return `${context}${radial ?? ''}${id}`;
  });
}
