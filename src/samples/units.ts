import { z } from 'zod';

/**
 * Units and how every output writes them: one place for durations, bytes,
 * percentages and plain numbers, so the terminal, Markdown, HTML and JUnit
 * never disagree. Minus is U+2212 in text for people.
 */

const durationUnits: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "500ms", "5s", "2m", "1h" or a bare number of seconds → milliseconds; undefined when malformed. */
export function parseDurationMs(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value * 1000 : undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(value);
  if (!match) return undefined;
  return Number(match[1]) * durationUnits[match[2] ?? 's']!;
}

/** A name as a file name: only [A-Za-z0-9._-], no leading dot, so "name: ../../x" stays inside its folder. */
export function safeFileName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '') || 'scenario';
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${+(ms / 1000).toFixed(2)}s`;
}

/** "5s", "500ms", "2m" or a number of seconds, parsed to milliseconds (a zod schema, for scenario files). */
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

/** A duration between `minMs` and `maxMs`; the message names the limit, so "0" or "1000h" is refused with a reason. */
export function boundedDuration(minMs: number, maxMs: number) {
  return duration.refine((ms) => ms >= minMs && ms <= maxMs, {
    message: `expected a duration from ${formatDuration(minMs)} to ${formatDuration(maxMs)}`,
  });
}

export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return '–';
  const sign = bytes < 0 ? '−' : '';
  const magnitude = Math.abs(bytes);
  if (magnitude >= 1024 ** 3) return `${sign}${(magnitude / 1024 ** 3).toFixed(1)} GB`;
  if (magnitude >= 1024 * 1024) return `${sign}${(magnitude / (1024 * 1024)).toFixed(1)} MB`;
  if (magnitude >= 1024) return `${sign}${(magnitude / 1024).toFixed(1)} KB`;
  return `${sign}${Math.round(magnitude)} B`;
}

/** A fraction as a signed percentage: 0.25 → "+25.0%", 1.5 → "+150%". */
export function formatChange(fraction: number | undefined): string {
  if (fraction === undefined || !Number.isFinite(fraction)) return '';
  const percent = fraction * 100;
  const sign = percent >= 0 ? '+' : '−';
  return `${sign}${Math.abs(percent) >= 100 ? Math.abs(percent).toFixed(0) : Math.abs(percent).toFixed(1)}%`;
}

/** Three significant digits, at most four decimals. */
export function formatNumber(value: number | undefined, digits = 3): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  if (value === 0) return '0';
  const magnitude = Math.floor(Math.log10(Math.abs(value)));
  const decimals = Math.max(0, digits - 1 - magnitude);
  return value.toFixed(Math.min(decimals, 4));
}

export function formatMicros(us: number | undefined): string {
  if (us === undefined || !Number.isFinite(us)) return '–';
  return Math.round(us).toLocaleString('en-US');
}

/** A result file's time stamp: 20261125-163649 (UTC). */
export function fileTimestamp(date = new Date()): string {
  return date.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}
