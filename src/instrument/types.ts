import type { z } from 'zod';
import type { IntakeCounts } from '../samples/result.js';

export type { IntakeCounts };

/** A loopback server that speaks a vendor's wire format and counts what arrives. */
export interface Intake {
  /** Env pointing the agent at this intake. */
  readonly env: Record<string, string>;
  /** Called once the target answers, for intakes that pull (a Prometheus scraper). */
  attachTarget?(baseUrl: string): void;
  /** The measured window starts now: from here, count items whose own timestamp falls in the window. */
  startWindow(): void;
  /** The measured window ends now; items created before this may still be in flight. */
  endWindow(): void;
  /** True once everything created inside the window has arrived (an item from after the window was seen). */
  caughtUp(): boolean;
  snapshot(): IntakeCounts;
  close(): Promise<void>;
}

/** A fully resolved instrumentation config: one column of the report. */
export interface InstrumentationConfig {
  /** Unique display name, e.g. "none", "in-house-tracer", "datadog@0.1". */
  name: string;
  /** Adapter kind: "none", "custom", "datadog", … */
  kind: string;
  /** Absolute paths preloaded with --require (.cjs/.js) or --import (.mjs). */
  preloads: string[];
  env: Record<string, string>;
  nodeOptions: string[];
  /** The options as the user wrote them (after expansion), kept in the result. */
  options: Record<string, unknown>;
  /** The sampling option's value (sampleRate, tracesSampleRate, ratio), when the config has one. */
  sampleRate?: number;
  /** The agent package measured, resolved from the target app first. */
  agent?: { package: string; version: string; from: 'target' | 'apm-bench' };
  /** Started before the target, stopped after it. */
  createIntake?: () => Promise<Intake>;
  /** Reasons a measured run cannot be trusted (no spans delivered, never scraped…). */
  validate?: (counts: IntakeCounts | undefined, requests: number) => string[];
}

export interface ExpandContext {
  /** Directory of the scenario file: relative paths resolve from here. */
  scenarioDir: string;
  /** Directory of the target app: agent packages resolve from here first. */
  targetDir: string;
}

/** One vendor. Adding a vendor means adding one file that exports one of these. */
export interface Adapter {
  kind: string;
  /** How reports name the agent, e.g. "Datadog dd-trace". */
  label: string;
  /** The YAML entry, e.g. `{ datadog: { sampleRate: [0.1, 1] } }`. */
  entrySchema: z.ZodType;
  /** True when a parsed instrumentation entry belongs to this adapter. */
  matches(entry: unknown): boolean;
  /** One entry may expand to several configs (sample-rate sweeps, ladders). */
  expand(entry: unknown, ctx: ExpandContext): InstrumentationConfig[];
}
