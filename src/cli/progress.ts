import type { PlannedRun } from '../plan/plan.js';
import type { Phase } from '../run/runner.js';
import type { RunSample } from '../samples/result.js';
import { formatMicros, formatNumber } from '../report/format.js';

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

  runStart(run: PlannedRun, total: number, blocks: number): void {
    this.runLabel = `[${run.index + 1}/${total}] block ${run.block + 1}/${blocks} ${run.config}`;
  }

  setPhase(_run: PlannedRun, phase: Phase, phaseMs: number): void {
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

  runEnd(sample: RunSample): void {
    if (this.quiet) return;
    const summary =
      sample.status === 'ok'
        ? `cpu ${formatNumber(sample.cpuMsPerRequest)} ms/req, p99 ${formatMicros(sample.latencyUs?.p99)} µs, ${sample.achievedRps?.toFixed(0)} req/s` +
          (sample.invalidReasons.length ? ` — invalid: ${sample.invalidReasons[0]}` : '')
        : `${sample.status}: ${sample.invalidReasons[0] ?? ''}`;
    this.clear();
    this.stream.write(`${this.runLabel}: ${summary}\n`);
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
