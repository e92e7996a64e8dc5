import type { PlannedUnit } from '../plan/plan.js';
import type { Phase } from '../run/runner.js';
import { killAllGroupsNow } from '../run/processes.js';
import { ExitCode } from '../errors.js';
import { describeFailures, exclusionReasons, failedRequests, type RunSample } from '../samples/result.js';
import { formatMicros, formatNumber } from '../samples/units.js';

/**
 * A live status line on a terminal; one plain line per finished run otherwise
 * (CI logs), and nothing at all with --quiet.
 */
export class Progress {
  private readonly live: boolean;
  private timer?: NodeJS.Timeout;
  private line = '';
  private phaseStarted = 0;
  private phaseMs = 0;
  private runLabel = '';
  private phase: Phase = 'starting';

  constructor(private readonly stream: NodeJS.WriteStream, private readonly quiet: boolean) {
    this.live = !quiet && Boolean(stream.isTTY) && !process.env.CI;
  }

  unitStart(unit: PlannedUnit, total: number, rounds: number): void {
    const who = unit.runs.length > 1
      ? `${unit.runs.find((r) => r.side === 'candidate')!.config} beside ${unit.runs.find((r) => r.side === 'baseline')!.config}`
      : unit.runs[0]!.config;
    this.runLabel = `[${unit.index + 1}/${total}] round ${unit.round + 1}/${rounds} ${who}${unit.runs.length > 1 || unit.rateRps ? ` @ ${unit.rateRps} req/s` : ''}`;
  }

  setPhase(_unit: PlannedUnit, phase: Phase, phaseMs: number): void {
    this.phase = phase;
    this.phaseMs = phaseMs;
    this.phaseStarted = Date.now();
    if (this.live) {
      this.render();
      this.timer ??= setInterval(() => this.render(), 250);
    }
  }

  private render(): void {
    const elapsed = (Date.now() - this.phaseStarted) / 1000;
    const of = this.phaseMs ? ` ${Math.min(elapsed, this.phaseMs / 1000).toFixed(0)}/${(this.phaseMs / 1000).toFixed(0)}s` : '';
    const text = `${this.runLabel}: ${this.phase}${of}`;
    const width = this.stream.columns ?? 100;
    this.line = text.slice(0, width - 1);
    this.stream.write(`\r\x1b[2K${this.line}`);
  }

  unitEnd(runs: readonly RunSample[]): void {
    if (this.quiet) return;
    const parts = runs.map((run) => {
      const head = `${run.config}: `;
      if (run.status !== 'measured') return `${head}${run.status} (${exclusionReasons(run)[0] ?? ''})`;
      const failed = failedRequests(run.load);
      const excluded = run.exclusions.length ? ` — excluded: ${run.exclusions[0]}`
        : failed ? `, ${failed} of ${run.load.sent} failed (${describeFailures(run.load)})` : '';
      return `${head}cpu ${formatNumber(run.cpuMsPerRequest)} ms/req, p99 ${formatMicros(run.latencyUs.p99)} µs${excluded}`;
    });
    this.clear();
    this.stream.write(`${this.runLabel}: ${parts.join(' | ')}\n`);
  }

  message(text: string): void {
    if (this.quiet) return;
    this.clear();
    this.stream.write(`${text}\n`);
  }

  clear(): void {
    if (this.live && this.line) this.stream.write('\r\x1b[2K');
    this.line = '';
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.clear();
  }
}

/** Ctrl-C once: finish cleaning up the current pair, keep the result. Twice: stop at once. */
export function interrupts(progress: Progress): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  let count = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    count += 1;
    if (count > 1) {
      killAllGroupsNow();
      process.stderr.write('\nStopped at once; the result file holds every run finished so far.\n');
      process.exit(ExitCode.interrupted);
    }
    progress.message(`\n${signal}: stopping after cleaning up the current run (press Ctrl-C again to stop at once)…`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return { signal: controller.signal, release: () => { process.off('SIGINT', onSignal); process.off('SIGTERM', onSignal); } };
}
