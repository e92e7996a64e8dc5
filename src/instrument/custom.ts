import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { InputError } from '../errors.js';
import { boundedDuration } from '../samples/units.js';
import type { ExpandContext, InstrumentationConfig } from './types.js';
import { AGENT_VERSION_ENV, versionedName, versionOption } from './versions.js';

/** Environment variables as a scenario writes them: numbers and booleans become strings. */
/** Linux's limit on one argument or environment string (MAX_ARG_STRLEN): a longer variable makes the target fail to start (E2BIG). */
export const MAX_ENV_STRING_BYTES = 128 * 1024;

export const envMap = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).superRefine((env, ctx) => {
  for (const [name, value] of Object.entries(env)) {
    if (!/^[^=\u0000]+$/.test(name)) ctx.addIssue({ code: 'custom', path: [name], message: 'an environment variable name: not empty, without "=" or NUL' });
    if (value.includes('\u0000')) ctx.addIssue({ code: 'custom', path: [name], message: 'a NUL byte: the kernel ends an environment string there' });
    const bytes = Buffer.byteLength(`${name}=${value}`);
    if (bytes > MAX_ENV_STRING_BYTES) {
      const message = `${bytes} bytes; the kernel takes at most ${MAX_ENV_STRING_BYTES} per variable (128 KiB), so the target could not start`;
      ctx.addIssue({ code: 'custom', path: [name], message });
    }
  }
});

/** `- name: none` or `- name: tracer, preload: ./tracer.cjs, env: {...}`: the baseline, or the user's own preloads. */
export const customInstrumentationSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.@:-]+$/, { message: 'expected a name of letters, digits and _.@:-' }),
  preload: z.union([z.string(), z.array(z.string())]).optional()
    .meta({ description: 'File(s) preloaded into the target: --require for .cjs/.js, --import for .mjs.' }),
  env: envMap.default({}),
  nodeOptions: z.array(z.string()).default([]).meta({ description: 'Extra node flags for the target.' }),
  period: boundedDuration(10, 600_000).optional().meta({
    description: 'How often the preload does periodic work (a flush, an export): each window is stretched to a whole number of these.',
  }),
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

/**
 * Why a path cannot be a module Node loads with --require/--import or runs as a script (undefined when it can): a
 * directory, a device, or a file with no JavaScript extension (/etc/passwd) fails at run time, after the session began.
 */
export function notAModule(path: string): string | undefined {
  const stat = statSync(path);
  if (stat.isDirectory()) return 'a directory; give the JavaScript file itself';
  if (!stat.isFile()) return 'not a regular file';
  if (!/\.(c|m)?js$/.test(path)) return 'not a JavaScript file (expected .js, .cjs or .mjs)';
  return undefined;
}

/** `- name: none` or `- name: x, preload: ./x.cjs, env: {...}`: the user's own preloads. */
export function expandCustom(entry: CustomInstrumentation, ctx: ExpandContext, where: string): InstrumentationConfig {
  const preloads = (entry.preload === undefined ? [] : [entry.preload].flat()).map((file) => {
    const absolute = resolve(ctx.scenarioDir, file);
    if (!existsSync(absolute)) {
      throw new InputError(`${where}.preload: file not found: ${file} (resolved to ${absolute}). Preload paths are relative to the scenario file.`);
    }
    const problem = notAModule(absolute);
    if (problem) throw new InputError(`${where}.preload: ${file} is ${problem}.`);
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
    ...(entry.period !== undefined ? { periodsMs: [entry.period] } : {}),
  };
}
