import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { InputError } from '../errors.js';
import type { ExpandContext, InstrumentationConfig } from './types.js';
import { AGENT_VERSION_ENV, versionedName, versionOption } from './versions.js';

/** Environment variables as a scenario writes them: numbers and booleans become strings. */
export const envMap = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String));

/** `- name: none` or `- name: tracer, preload: ./tracer.cjs, env: {...}`: the baseline, or the user's own preloads. */
export const customInstrumentationSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.@:-]+$/, { message: 'expected a name of letters, digits and _.@:-' }),
  preload: z.union([z.string(), z.array(z.string())]).optional()
    .meta({ description: 'File(s) preloaded into the target: --require for .cjs/.js, --import for .mjs.' }),
  env: envMap.default({}),
  nodeOptions: z.array(z.string()).default([]).meta({ description: 'Extra node flags for the target.' }),
  version: versionOption.meta({
    description: 'Version label(s): one config per version (name@version), each with APM_BENCH_AGENT_VERSION set for the preload. Nothing is installed.',
  }),
});

export type CustomInstrumentation = z.output<typeof customInstrumentationSchema>;

/** A custom entry with `version: [...]`: one config per version label, which its preload reads from APM_BENCH_AGENT_VERSION. */
export function expandCustomVersions(entry: CustomInstrumentation, ctx: ExpandContext, where: string): InstrumentationConfig[] {
  const config = expandCustom(entry, ctx, where);
  if (entry.version === undefined) return [config];
  return [entry.version].flat().map((version) => ({
    ...config,
    kind: 'custom',
    name: versionedName(config.name, version),
    env: { ...config.env, [AGENT_VERSION_ENV]: version },
    options: { ...config.options, version },
  }));
}

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
