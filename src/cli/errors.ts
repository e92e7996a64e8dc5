/**
 * Errors a user can act on. They are printed as one paragraph, never with a
 * stack trace; the exit code says which kind of failure it was.
 */
export const ExitCode = {
  ok: 0,
  budgetFailed: 1,
  input: 2,
  inconclusive: 3,
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

/** The benchmark itself broke: the target never became ready, crashed, or an intake failed. */
export class RunError extends UserError {
  constructor(message: string) {
    super(message, ExitCode.runBroke);
  }
}
