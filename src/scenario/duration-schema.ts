import { z } from 'zod';
import { parseDurationMs } from './duration.js';

/** "5s", "500ms", "2m" or a number of seconds, parsed to milliseconds. */
export const duration = z
  .union([z.string(), z.number()])
  .transform((value, ctx) => {
    const ms = parseDurationMs(value);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `expected a duration like "5s", "500ms" or "2m", got ${JSON.stringify(value)}` });
      return z.NEVER;
    }
    return ms;
  })
  .meta({ description: 'A duration: "500ms", "5s", "2m", or a number of seconds.' });

