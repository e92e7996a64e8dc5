import type { InstrumentationConfig, Intake } from '../instrument/types.js';
import type { PlannedRun } from '../plan/plan.js';
import type { LoadedScenario } from '../scenario/load.js';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { LoadSide } from './load.js';
import type { ProbeConnection, ProbeServer } from './probe-server.js';
import { freePort } from './ports.js';
import { buildLaunch, TargetFailure, TargetProcess } from './target.js';

export interface SideContext {
  scenario: LoadedScenario;
  probes: ProbeServer;
  baseEnv: Record<string, string>;
  downstreamUrl: string;
  targetCpus?: string;
  /** Nice steps the targets start below the generator (`nice -n`), so they run at the default priority again. */
  niceIncrement?: number;
  /** A private directory for the targets' log files (LOG_FILE), removed when the session ends. */
  logDir: string;
}

let logFiles = 0;

/**
 * One side of a unit: a fresh target process with its config's agent, the
 * config's local intake, the probe inside the target, and the connection pool
 * the load generator sends to it through.
 */
export class Side {
  intake?: Intake;
  target?: TargetProcess;
  probe?: ProbeConnection;
  load?: LoadSide;
  port = 0;
  /** Set when the target exits before we stop it. */
  crash?: TargetFailure;
  /** Where the app may write its log (passed as LOG_FILE); the window counts what it adds. */
  logFile = '';

  constructor(readonly planned: PlannedRun, readonly config: InstrumentationConfig) {}

  get pid(): number {
    return this.probe?.hello.pid ?? this.target?.pid ?? 0;
  }

  /** Start the intake, then the target; `onCrash` fires if the target dies before stop(). */
  async start(ctx: SideContext, onCrash: (failure: TargetFailure) => void): Promise<void> {
    if (this.config.createIntake) this.intake = await this.config.createIntake({ fault: this.config.intakeFault });
    this.onCrash = onCrash;
    await this.launch(ctx);
  }

  private onCrash: (failure: TargetFailure) => void = () => {};
  private launches = 0;
  private isReady = false;

  private async launch(ctx: SideContext): Promise<void> {
    this.port = ctx.scenario.target.fixedPort ?? (await freePort());
    this.logFile = join(ctx.logDir, `target-${(logFiles += 1)}.log`);
    const launch = buildLaunch({
      target: ctx.scenario.target,
      config: this.config,
      baseEnv: ctx.baseEnv,
      port: this.port,
      probeSocket: ctx.probes.path,
      extraEnv: { DOWNSTREAM_URL: ctx.downstreamUrl, LOG_FILE: this.logFile, ...(this.intake?.env ?? {}) },
      cpuList: ctx.targetCpus,
      ...(ctx.niceIncrement ? { niceIncrement: ctx.niceIncrement } : {}),
    });
    const target = TargetProcess.start(launch);
    this.target = target;
    this.launches += 1;
    void target.crashed().then((failure) => {
      if (target.isStopping || target !== this.target) return;
      if (this.portTaken(ctx, failure)) return; // ready() starts it again on another port
      this.crash = failure;
      this.onCrash(failure);
    });
  }

  /**
   * The free port we chose was taken before the app could listen on it: the kernel hands the same range to outgoing
   * connections (the intakes', the load generator's). Not the app's fault, so it gets another port, twice at most.
   */
  private portTaken(ctx: SideContext, failure: TargetFailure): boolean {
    // The whole output kept, not the failure's last lines: an exit hook's own stack trace (a logger flushing) can push
    // the EADDRINUSE line out of them.
    const output = `${failure.stderrTail}\n${this.target?.outputTail(400) ?? ''}`;
    return !this.isReady && ctx.scenario.target.fixedPort === undefined && this.launches < 3 && /EADDRINUSE/.test(output);
  }

  /** Wait until the app answers its ready path and the probe inside it has said hello. */
  async ready(ctx: SideContext): Promise<void> {
    const { target } = ctx.scenario;
    for (;;) {
      try {
        this.probe = await this.target!.waitUntilReady(this.port, target.readyPath, target.readyTimeoutMs, ctx.probes);
        break;
      } catch (error) {
        if (error instanceof TargetFailure && this.portTaken(ctx, error)) {
          await this.target!.stop();
          if (this.logFile) rmSync(this.logFile, { force: true });
          await this.launch(ctx);
          continue;
        }
        // Never ready (or exited while starting): this side's failure, not its partner's.
        if (error instanceof TargetFailure) this.crash ??= error;
        throw error;
      }
    }
    this.isReady = true;
    const url = `http://127.0.0.1:${this.port}`;
    this.intake?.attachTarget?.(url);
    this.load = new LoadSide(url, ctx.scenario.scenario.workload.connections);
  }

  pause(): void {
    this.target?.pause();
  }

  resume(): void {
    this.target?.resume();
  }

  outputTail(): string {
    return this.target?.outputTail() ?? '';
  }

  async stop(): Promise<void> {
    await this.load?.pool.destroy().catch(() => undefined);
    await this.target?.stop();
    await this.intake?.close();
    if (this.logFile) rmSync(this.logFile, { force: true });
  }
}
