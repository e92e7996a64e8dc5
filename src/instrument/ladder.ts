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
