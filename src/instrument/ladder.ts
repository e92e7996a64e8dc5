import type { z } from 'zod';

/**
 * The overhead ladder (after MooBench): the same agent at increasing levels of
 * work, so the report shows where the cost is — loading, context propagation
 * and span creation, or export.
 */
export const LADDER_LEVELS = {
  L1: 'agent loaded but disabled (or with no instrumentation)',
  L2: 'instrumentation on, sampling 0',
  L3: 'sampled, but dropped in-process before export',
  L4: 'full export to the local intake',
} as const;

export type LadderLevel = keyof typeof LADDER_LEVELS;

/** Names like `sentry@L2` for each step an adapter supports. */
export function ladderName(kind: string, prefix: string | undefined, level: LadderLevel): string {
  return `${prefix ?? kind}@${level}`;
}

/**
 * A ladder measures one sample rate at several levels; with a list of rates the
 * sweep would be dropped without a word, so refuse the pair and say what to write.
 */
export function ladderTakesOneRate(rateKey: string) {
  return (options: { ladder?: boolean } & Record<string, unknown>, ctx: z.RefinementCtx) => {
    const rates = options[rateKey];
    if (options.ladder === true && Array.isArray(rates) && rates.length > 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['ladder'],
        message: `a ladder measures one ${rateKey} at four levels, and ${rateKey} lists ${rates.length}. ` +
          `Give one ${rateKey} with ladder: true, and the sweep as a second entry without it`,
      });
    }
  };
}
