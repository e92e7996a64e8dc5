/**
 * The layering of docs/architecture.md, enforced: every import goes down the
 * data path (or stays in its folder), no file imports itself back through a
 * cycle, and lines stay readable.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root } from '../helpers.js';

/** Lowest first: a folder may import its own files and any folder before it, never one after it. */
export const LAYERS = ['ground', 'samples', 'analysis', 'cost', 'instrument', 'scenario', 'plan', 'run', 'gate', 'report', 'commands', 'cli'] as const;
/** Files at the top of src/ that import nothing local; the probe runs inside the target and imports nothing at all. */
const GROUND = new Set(['errors.ts', 'random.ts', 'paths.ts', 'cleanup.ts', 'probe']);
const MAX_LINE = 180;

const src = join(root, 'src');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return files(path);
    return /\.c?ts$/.test(entry.name) ? [path] : [];
  });
}

function layerOf(file: string): number {
  const top = relative(src, file).split('/')[0]!;
  if (GROUND.has(top)) return 0;
  const index = (LAYERS as readonly string[]).indexOf(top);
  if (index < 0) throw new Error(`${relative(root, file)} is in no layer: add its folder to docs/architecture.md and LAYERS`);
  return index;
}

/** Local imports of a file, resolved to source paths (`./x.js` → `x.ts`). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)].map((m) => m[1]!);
  return specifiers.map((s) => resolve(dirname(file), s).replace(/\.js$/, '.ts').replace(/\.cjs$/, '.cts'));
}

const all = files(src);

describe('architecture', () => {
  it('imports go one way only: down the layers of docs/architecture.md', () => {
    const backward: string[] = [];
    for (const file of all) {
      for (const target of importsOf(file)) {
        if (layerOf(target) > layerOf(file)) {
          backward.push(`${relative(src, file)} (${LAYERS[layerOf(file)]}) imports ${relative(src, target)} (${LAYERS[layerOf(target)]})`);
        }
      }
    }
    expect(backward).toEqual([]);
  });

  it('the ground floor imports nothing local', () => {
    const ground = all.filter((file) => layerOf(file) === 0);
    expect(ground.length).toBeGreaterThan(3);
    for (const file of ground) expect(importsOf(file), relative(src, file)).toEqual([]);
  });

  it('no import cycles between files', () => {
    const graph = new Map(all.map((file) => [file, importsOf(file)]));
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        cycles.push([...path.slice(path.indexOf(file)), file].map((f) => relative(src, f)).join(' → '));
        return;
      }
      state.set(file, 'open');
      for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of all) visit(file, []);
    expect(cycles).toEqual([]);
  });

  it('no command file imports another; cli files only parse, call a command and print', () => {
    for (const file of all.filter((f) => /\/(commands|cli)\//.test(f))) {
      const folder = relative(src, file).split('/')[0];
      const siblings = importsOf(file).filter((t) => relative(src, t).split('/')[0] === folder).map((t) => relative(src, t));
      const allowed = folder === 'commands' ? ['commands/project.ts', 'commands/isolated.ts'] : ['cli/options.ts', 'cli/output.ts', 'cli/progress.ts', ...(file.endsWith('main.ts') ? all.filter((f) => f.includes('/cli/')).map((f) => relative(src, f)) : [])];
      for (const sibling of siblings) expect(allowed, `${relative(src, file)} imports ${sibling}`).toContain(sibling);
    }
  });

  it(`lines are at most ${MAX_LINE} characters`, () => {
    const long = all.flatMap((file) => readFileSync(file, 'utf8').split('\n')
      .map((line, i) => ({ line, where: `${relative(src, file)}:${i + 1}` }))
      .filter(({ line }) => line.length > MAX_LINE)
      .map(({ line, where }) => `${where} (${line.length})`));
    expect(long).toEqual([]);
  });
});
