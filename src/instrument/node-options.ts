import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { InputError } from '../errors.js';
import { isLoopbackHost } from './egress.js';

/** Flags whose value is a module node loads before the app. */
const moduleFlags = new Set(['--require', '-r', '--import', '--loader', '--experimental-loader']);
/** Flags that open the inspector, optionally on [host:]port. */
const inspectorFlags = new Set(['--inspect', '--inspect-brk', '--inspect-wait', '--inspect-port', '--debug-port']);

/**
 * Node flags as a scenario writes them (`"--require ./x.cjs"` or two entries)
 * to one flag per argv token, checked as a run would meet them: a preload that
 * cannot be found fails every run, and an inspector on a public address opens
 * the target to the network.
 */
export function checkNodeOptions(options: readonly string[], targetDir: string, where: string): string[] {
  const tokens = options.flatMap((option) => option.trim().split(/\s+/).filter(Boolean));
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const [flag, inline] = token.startsWith('--') && token.includes('=') ? [token.slice(0, token.indexOf('=')), token.slice(token.indexOf('=') + 1)] : [token, undefined];
    if (moduleFlags.has(flag)) {
      const value = inline ?? tokens[i + 1];
      if (value === undefined) throw new InputError(`${where}: ${flag} needs a module after it.`);
      assertLoadable(value, targetDir, `${where}: ${flag} ${value}`);
      if (inline === undefined) i += 1;
      out.push(flag, value);
      continue;
    }
    if (flag === '--env-file' || flag === '--env-file-if-exists') {
      throw new InputError(`${where}: ${token} loads variables (DSNs, endpoints, keys) from a file the egress check never reads; name it in target.envFile, ` +
        'which is read and checked, and whose vendor keys are removed.');
    }
    if (inspectorFlags.has(flag) && inline !== undefined) {
      const host = inline.includes(':') ? inline.slice(0, inline.lastIndexOf(':')) : /^\d+$/.test(inline) ? '127.0.0.1' : inline;
      if (!isLoopbackHost(host)) {
        const port = inline.includes(':') || /^\d+$/.test(inline) ? `:${inline.split(':').pop()}` : '';
        throw new InputError(`${where}: ${token} would open the inspector on ${host}, reachable from other machines. Use ${flag}=127.0.0.1${port} or leave it out.`);
      }
    }
    out.push(token);
  }
  return out;
}

function assertLoadable(specifier: string, targetDir: string, where: string): void {
  if (specifier.startsWith('.') || isAbsolute(specifier)) {
    const path = resolve(targetDir, specifier);
    if (!existsSync(path) || !statSync(path).isFile()) {
      throw new InputError(`${where}: file not found (resolved to ${path}; node resolves it against the target's cwd, ${targetDir}).`);
    }
    return;
  }
  if (specifier.startsWith('node:') || specifier.startsWith('data:')) return;
  try {
    createRequire(join(targetDir, 'noop.js')).resolve(specifier);
  } catch {
    throw new InputError(`${where}: cannot find the package "${specifier}" from the target's cwd (${targetDir}). Install it in the app, or give a path.`);
  }
}
