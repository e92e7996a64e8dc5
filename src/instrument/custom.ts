import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { InputError } from '../errors.js';
import type { CustomInstrumentation } from '../scenario/schema.js';
import type { ExpandContext, InstrumentationConfig } from './types.js';

/** `- name: none` or `- name: x, preload: ./x.cjs, env: {...}`: the user's own preloads. */
export function expandCustom(entry: CustomInstrumentation, ctx: ExpandContext, where: string): InstrumentationConfig {
  const preloads = (entry.preload === undefined ? [] : [entry.preload].flat()).map((file) => {
    const absolute = resolve(ctx.scenarioDir, file);
    if (!existsSync(absolute) || !statSync(absolute).isFile()) {
      throw new InputError(`${where}.preload: file not found: ${file} (resolved to ${absolute}). Preload paths are relative to the scenario file.`);
    }
    return absolute;
  });
  const isBaseline = preloads.length === 0 && Object.keys(entry.env).length === 0 && entry.nodeOptions.length === 0;
  return {
    name: entry.name,
    kind: isBaseline ? 'none' : 'custom',
    preloads,
    env: entry.env,
    nodeOptions: entry.nodeOptions,
    options: { ...(entry.preload ? { preload: entry.preload } : {}), ...(Object.keys(entry.env).length ? { env: entry.env } : {}) },
  };
}
