import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { ModuleSystem } from '../instrument/types.js';

/**
 * Node's own rule (https://nodejs.org/api/packages.html#determining-module-system): .mjs/.mts are ES modules,
 * .cjs/.cts CommonJS, and .js follows the "type" of the nearest package.json.
 */
export function detectModuleSystem(file: string): ModuleSystem {
  const ext = extname(file);
  if (ext === '.mjs' || ext === '.mts') return { kind: 'esm', why: `${basename(file)} is an .mjs file` };
  if (ext === '.cjs' || ext === '.cts') return { kind: 'commonjs', why: `${basename(file)} is a .cjs file` };
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        const type = (JSON.parse(readFileSync(manifest, 'utf8')) as { type?: string }).type;
        return type === 'module'
          ? { kind: 'esm', why: `${manifest} has "type": "module"` }
          : { kind: 'commonjs', why: `${manifest} has ${type ? `"type": "${type}"` : 'no "type"'}` };
      } catch {
        return { kind: 'commonjs', why: `${manifest} cannot be read` };
      }
    }
    if (dirname(dir) === dir) return { kind: 'commonjs', why: 'no package.json above the start file' };
  }
}

/** The scenario's choice, or Node's rule on the start file. */
export function chosenModuleSystem(choice: 'auto' | 'esm' | 'commonjs', startFile: string): ModuleSystem {
  if (choice === 'auto') return detectModuleSystem(startFile);
  return { kind: choice, why: 'target.moduleSystem in the scenario' };
}

/** The script a `node … server.js` command runs: its first argument that is not a flag and names a file. */
export function commandScript(command: readonly string[], cwd: string): string | undefined {
  if (!/^node(\d+)?$/.test(basename(command[0] ?? ''))) return undefined;
  for (let i = 1; i < command.length; i++) {
    const arg = command[i]!;
    // Flags that take a value: skip both.
    if (['-r', '--require', '--import', '--loader', '--experimental-loader', '--env-file'].includes(arg)) { i += 1; continue; }
    if (arg.startsWith('-')) continue;
    const path = resolve(cwd, arg);
    return existsSync(path) && statSync(path).isFile() ? path : undefined;
  }
  return undefined;
}

/** Libraries an agent may instrument, as the app's package.json names them. */
const TRACEABLE = ['fastify', 'pg', 'mysql2', 'mysql', 'ioredis', 'redis', 'mongodb', 'knex', 'undici'];

/** The traceable libraries the app declares in the nearest package.json's dependencies (what runs in production). */
export function declaredLibraries(fromDir: string): string[] {
  for (let dir = resolve(fromDir); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        const deps = (JSON.parse(readFileSync(manifest, 'utf8')) as { dependencies?: Record<string, string> }).dependencies ?? {};
        return TRACEABLE.filter((name) => name in deps).map((name) => (name === 'mysql' ? 'mysql2' : name));
      } catch {
        return [];
      }
    }
    if (dirname(dir) === dir) return [];
  }
}
