// Per reducer: one scatter coloured by true class (unlabelled in grey) and one per clusterer coloured
// by cluster (noise in grey), on the first two coordinates, in SVG and PNG.

import type { ClusterReport, Embedding, FigureFile } from '@neuro-ssl/core';
import { renderScatter } from '@neuro-ssl/core/plots';

function axisName(e: Embedding, j: number): string {
  const ratio = e.explainedVarianceRatio?.[j];
  return `${e.reducer} ${j + 1}${ratio !== undefined ? ` (${(ratio * 100).toFixed(1)}% var.)` : ''}`;
}

export async function clusterFigures(report: ClusterReport, classNames: Map<number, string>): Promise<FigureFile[]> {
  const files: FigureFile[] = [];
  const push = async (base: string, title: string, rendered: Promise<{ svg: Uint8Array; png: Uint8Array }>): Promise<void> => {
    const { svg, png } = await rendered;
    files.push({ name: `${base}.svg`, format: 'svg', data: svg, title }, { name: `${base}.png`, format: 'png', data: png, title });
  };
  for (const e of report.embeddings) {
    const xy = (i: number): { x: number; y: number } => ({ x: e.values[i * e.dims] as number, y: (e.dims > 1 ? e.values[i * e.dims + 1] : 0) as number });
    const axes = { xLabel: axisName(e, 0), yLabel: e.dims > 1 ? axisName(e, 1) : '' };
    const classGroups = [...classNames.entries()].sort((a, b) => b[0] - a[0]).map(([, name]) => ({ name }));
    const byClass = report.ids.map((_, i) => ({ ...xy(i), group: report.labels[i]! < 0 ? 'unlabelled' : (classNames.get(report.labels[i]!) ?? String(report.labels[i])) }));
    const title = `${e.reducer}: true classes`;
    await push(`${e.reducer}-by-class`, title, renderScatter({ title, subtitle: `${report.ids.length} images; unlabelled in grey`, ...axes, legendTitle: 'class', points: byClass, groups: [...classGroups, { name: 'unlabelled', grey: true }] }));

    for (const r of report.results.filter((x) => x.reducer === e.reducer)) {
      const ids = [...new Set(r.assignments)].filter((c) => c >= 0).sort((a, b) => a - b);
      const points = report.ids.map((_, i) => ({ ...xy(i), group: r.assignments[i]! < 0 ? 'noise' : `cluster ${r.assignments[i]}` }));
      const groups = [...ids.map((c) => ({ name: `cluster ${c}` })), ...(r.noise ? [{ name: 'noise', grey: true }] : [])];
      const score = (v: number | null): string => (v === null ? 'n/a' : v.toFixed(3));
      const t = `${e.reducer} × ${r.clusterer}: ARI ${score(r.ari)}, NMI ${score(r.nmi)}, silhouette ${score(r.silhouette)}`;
      await push(`${e.reducer}-${r.clusterer}`, t, renderScatter({ title: t, subtitle: `${r.nClusters} clusters, ${r.noise} noise; ARI/NMI on the labelled images`, ...axes, legendTitle: 'cluster', points, groups }));
    }
  }
  return files;
}
