import { ExitCode } from '../errors.js';

/**
 * Where a command's words go. Normally the result goes to stdout and progress
 * to stderr. With --json, stdout carries exactly one JSON document and every
 * word for people moves to stderr; --quiet drops notes and progress.
 */
export class Output {
  constructor(readonly json: boolean, readonly quiet: boolean) {}

  /** The command's human result (tables, verdicts): stdout, or stderr under --json. */
  result(text: string): void {
    if (this.json) {
      if (!this.quiet) process.stderr.write(text);
    } else {
      process.stdout.write(text);
    }
  }

  /** Notes, warnings, file paths: stderr, and not at all with --quiet. */
  note(text: string): void {
    if (!this.quiet) process.stderr.write(text);
  }

  /** The one JSON document of --json. Minus is ASCII here: this is for machines. */
  document(value: unknown): void {
    if (this.json) process.stdout.write(`${toJson(value)}\n`);
  }
}

export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? v.replaceAll('\u2212', '-') : v), 2);
}

/** What each exit code means, per command: every command's help ends with the codes it can return. */
const meanings: Record<number, string> = {
  [ExitCode.ok]: 'success',
  [ExitCode.budgetFailed]: 'a budget failed, or compare found a regression',
  [ExitCode.input]: 'usage or input error (bad flag, scenario, budgets or result file): nothing was run',
  [ExitCode.inconclusive]: 'inconclusive: the noise is too large to decide (see --inconclusive)',
  [ExitCode.runBroke]: 'the run itself broke (target never ready, crashed, no valid runs), or a bug in apm-bench',
  [ExitCode.interrupted]: 'interrupted (Ctrl-C); the result file keeps the finished runs',
};

export function exitCodes(codes: readonly number[], success = meanings[ExitCode.ok]!): string {
  const lines = codes.map((code) => `  ${String(code).padEnd(4)} ${code === ExitCode.ok ? success : meanings[code]}`);
  return `\nExit codes:\n${lines.join('\n')}`;
}
