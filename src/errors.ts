import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
/**
 * Errors a user can act on, and what each exit code means. Every layer may
 * import this file; it imports nothing local (the ground floor, like
 * fastify's lib/errors.js). Errors are printed as one paragraph, never with a
 * stack trace; the exit code says which kind of failure it was.
 */
export const ExitCode = {
  ok: 0,
  /** A budget failed, or compare found a regression. */
  budgetFailed: 1,
  /** Bad flag, bad scenario, bad budgets, bad result file: nothing was run. */
  input: 2,
  /** The data cannot decide a budget. */
  inconclusive: 3,
  /** The run itself broke: a target never became ready, crashed, or no run was valid. */
  runBroke: 4,
  interrupted: 130,
} as const;

export class UserError extends Error {
  constructor(message: string, readonly exitCode: number = ExitCode.input) {
    super(message);
    this.name = 'UserError';
  }
}

/** Bad scenario, bad flag, missing file: nothing was run. */
export class InputError extends UserError {
  constructor(message: string) {
    super(message, ExitCode.input);
  }
}

/**
 * Read a file the user named (a scenario, result, pricing, budgets or env file) only when it is a regular file of a
 * sane size: a FIFO would block the read for ever, a device could stream without end, a directory fails obscurely.
 * `what` names the kind of file in the error ("scenario file").
 */
export function readRegularFile(path: string, shown: string, what: string, maxBytes: number): string {
  let stats;
  try {
    stats = statSync(path);
  } catch {
    throw new InputError(`${shown}: no such ${what}.`);
  }
  if (stats.isDirectory()) throw new InputError(`${shown}: a directory, not a ${what}.`);
  if (!stats.isFile()) throw new InputError(`${shown}: not a regular file (a FIFO, socket or device), so not read as a ${what}.`);
  if (stats.size > maxBytes) throw new InputError(`${shown}: ${stats.size} bytes, more than a ${what} can be (at most ${maxBytes} bytes).`);
  return readFileSync(path, 'utf8');
}

/**
 * The path of the first key named `__proto__`, `constructor` or `prototype` in parsed YAML or JSON: as an object key they
 * are dropped or reach the prototype when the document is copied, so a budget or a setting under one would vanish unseen.
 */
export function prototypeKeyPath(value: unknown, path: string[] = [], seen = new Set<object>()): string | undefined {
  // A YAML alias can make a document refer to itself: each object is looked at once.
  if (value === null || typeof value !== 'object' || seen.has(value)) return undefined;
  seen.add(value);
  for (const key of Object.keys(value)) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') return [...path, key].join('.');
    const found = prototypeKeyPath((value as Record<string, unknown>)[key], [...path, key], seen);
    if (found) return found;
  }
  return undefined;
}

/**
 * Write a whole file without ever writing through what is at `path`: the text goes to a new file beside it (created
 * exclusively, so a planted link there fails too) and is renamed over it. A symlink at `path` is replaced, never followed,
 * and a crash leaves the old file whole.
 */
export function writeFileReplacing(path: string, data: string | Uint8Array): void {
  const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`;
  try {
    writeFileSync(temporary, data, { flag: 'wx' });
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
