import { APP, FRAME_SEPARATOR, GC, HARNESS, NATIVE, PROGRAM } from '../analysis/profile.js';
import type { ProfileSummary } from '../samples/profile.js';

/**
 * A flame graph (icicle: callers on top) as self-contained SVG, from a
 * profile's folded stacks: a frame's width is its total time, and agent
 * packages get their own colours so their frames stand out from the app's and
 * Node's.
 */

interface Frame {
  name: string;
  bucket: string;
  ms: number;
  children: Map<string, Frame>;
}

const ROW_PX = 17;
const WIDTH_PX = 960;
const MAX_DEPTH = 40;

const neutral: Record<string, string> = { [APP]: '#c7ccd1', [GC]: '#a1887f', [PROGRAM]: '#bcaaa4', [NATIVE]: '#d7ccc8', [HARNESS]: '#e0e0e0' };
const agentPalette = ['#f58518', '#e45756', '#b279a2', '#eeca3b', '#54a24b', '#ff9da6', '#9d755d', '#72b7b2'];

/** Colour of a bucket: Node's internals blue, the app and V8 neutral, each package its own warm colour. */
export function bucketColour(bucket: string, packages: readonly string[]): string {
  if (neutral[bucket]) return neutral[bucket]!;
  if (bucket.startsWith('node:')) return '#9ecae9';
  const index = packages.indexOf(bucket);
  return agentPalette[(index >= 0 ? index : packages.length) % agentPalette.length]!;
}

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function flameGraphSvg(stacks: ProfileSummary['stacks'], packages: readonly string[], title: string): string {
  const root: Frame = { name: 'all', bucket: '', ms: 0, children: new Map() };
  for (const stack of stacks) {
    root.ms += stack.ms;
    let node = root;
    for (const key of stack.frames.slice(0, MAX_DEPTH)) {
      const [bucket, name] = key.split(FRAME_SEPARATOR) as [string, string];
      const child = node.children.get(key) ?? { name, bucket, ms: 0, children: new Map() };
      child.ms += stack.ms;
      node.children.set(key, child);
      node = child;
    }
  }
  const rects: string[] = [];
  let depth = 0;
  const scale = root.ms > 0 ? WIDTH_PX / root.ms : 0;
  const draw = (frame: Frame, x: number, level: number) => {
    depth = Math.max(depth, level + 1);
    const w = frame.ms * scale;
    if (w < 0.5) return;
    const y = level * ROW_PX;
    const fill = level === 0 ? '#eceff1' : bucketColour(frame.bucket, packages);
    const label = level === 0 ? `all: ${frame.ms.toFixed(0)} ms sampled` : `${frame.name} (${frame.bucket})`;
    const share = root.ms > 0 ? ((100 * frame.ms) / root.ms).toFixed(1) : '0';
    const chars = Math.floor((w - 6) / 6.2);
    const text = chars >= 3 ? `<text x="${(x + 3).toFixed(1)}" y="${y + 12}">${escapeXml(label.length > chars ? `${label.slice(0, chars - 1)}…` : label)}</text>` : '';
    rects.push(`<g><title>${escapeXml(`${label}: ${frame.ms.toFixed(1)} ms, ${share}%`)}</title><rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" ` +
      `height="${ROW_PX - 1}" fill="${fill}" rx="1"/>${text}</g>`);
    let childX = x;
    for (const child of [...frame.children.values()].sort((a, b) => b.ms - a.ms)) {
      draw(child, childX, level + 1);
      childX += child.ms * scale;
    }
  };
  draw(root, 0, 0);
  const height = depth * ROW_PX;
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${escapeXml(title)}" width="${WIDTH_PX}" height="${height}" viewBox="0 0 ${WIDTH_PX} ${height}" ` +
    `font-family="system-ui, sans-serif" font-size="11">${rects.join('')}</svg>`;
}
