import type { TopLevelSpec } from 'vega-lite';

/** Vega and Vega-Lite take about 0.3 s to load: only commands that write a report pay it. */
const libraries = () => Promise.all([import('vega'), import('vega-lite')]);

/**
 * Vega-Lite → Vega → SVG in Node, with no DOM and no network: the report
 * carries the finished SVG, so it opens offline and prints as it looks.
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const [vega, { compile }] = await libraries();
  const compiled = compile(spec).spec;
  // Data is always inline: a report must never fetch anything, at build time or view time.
  const remote = (compiled.data ?? []).find((d) => 'url' in d);
  if (remote) throw new Error(`charts use inline data only (asked for ${String((remote as { url: unknown }).url)})`);
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    // Vega's width/height are fixed pixels; a viewBox plus 100% width lets the page scale them.
    return svg.replace(/^<svg([^>]*?) width="(\d+(?:\.\d+)?)" height="(\d+(?:\.\d+)?)"/, '<svg$1 width="100%" style="max-width:$2px;height:auto"');
  } finally {
    view.finalize();
  }
}
