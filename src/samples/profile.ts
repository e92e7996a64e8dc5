/**
 * The profiling pass's records: V8 CPU profiles of one extra window per
 * config, never part of the estimates, and what they say about where the CPU
 * goes (analysis/profile.ts computes it).
 */

export interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

export interface CpuProfile {
  nodes: CpuProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface FunctionTime {
  bucket: string;
  functionName: string;
  url: string;
  /** 1-based, as editors show it. */
  line: number;
  selfMs: number;
}

export interface ProfileSummary {
  config: string;
  /** Requests answered in the profiled window. */
  requests: number;
  /** Sampled CPU time by bucket, ms over the window (idle excluded). */
  bucketsMs: Record<string, number>;
  /** The window's sampled time: busy (not idle), and all of it. */
  busyMs: number;
  sampledMs: number;
  functions: FunctionTime[];
  /** Folded stacks for a flame graph: root-first frames as "bucket␟function", with their self time. Small stacks folded into their parent. */
  stacks: Array<{ frames: string[]; ms: number }>;
}

export interface AttributionRow {
  bucket: string;
  configMsPerRequest: number;
  baselineMsPerRequest: number;
  deltaMsPerRequest: number;
}

export interface Attribution {
  config: string;
  baseline: string;
  rows: AttributionRow[];
  /** Sum of the rows' deltas: the extra main-thread CPU per request the profiles see. */
  profiledDeltaMsPerRequest: number;
  /** The overhead measured in the unprofiled windows (the paired estimate), when there is one. */
  measuredDeltaMsPerRequest?: number;
  /** profiled ÷ measured: how much of the measured extra CPU the profile accounts for. */
  attributedShare?: number;
  topFunctions: Array<FunctionTime & { deltaMsPerRequest: number }>;
  /** What the profiles cannot see, in words. */
  notCovered: string;
}

/** One config's profiled window. */
export type ProfiledRun =
  | { config: string; status: 'measured'; file: string; requests: number; cpuMsPerRequest: number }
  | { config: string; status: 'failed'; reason: string };

export interface ProfilingRecord {
  /** V8's sampling interval. */
  intervalUs: number;
  rateRps: number;
  runs: ProfiledRun[];
  /** Per config against the baseline, when both profiles exist. */
  attribution: Attribution[];
  /** Flame graph data: folded stacks per config. */
  stacks: Record<string, ProfileSummary['stacks']>;
}
