/**
 * Where the CPU goes, from V8 CPU profiles (.cpuprofile) of the profiling pass:
 * each sample's self time goes to the package that owns its frame, and a
 * config's buckets are set against the baseline's. Pure: the profiles come in
 * as parsed JSON.
 */

import type { Attribution, CpuProfile, CpuProfileNode, FunctionTime, ProfileSummary } from '../samples/profile.js';

/** Buckets that are not a package: V8 and Node's own work, the app, and apm-bench's probe. */
export const IDLE = '(idle)';
export const GC = '(garbage collector)';
export const PROGRAM = '(program: V8 and native)';
export const NATIVE = '(native builtins)';
export const APP = '(the app\'s own code)';
export const HARNESS = '(apm-bench probe and preloads)';

/** The package (or bucket) that owns a frame. `harnessDir`: apm-bench's root, whose files are its own bucket. */
export function bucketOf(frame: CpuProfileNode['callFrame'], harnessDir: string, preloads: readonly string[] = []): string {
  const { functionName, url } = frame;
  if (functionName === '(idle)') return IDLE;
  if (functionName === '(garbage collector)') return GC;
  if (functionName === '(program)' || functionName === '(root)') return PROGRAM;
  if (!url) return NATIVE;
  const path = url.startsWith('file://') ? decodeURIComponent(url.slice('file://'.length)) : url;
  // A config's own preload (a custom tracer) is its own bucket, wherever it lives.
  if (preloads.includes(path)) return `preload ${path.split('/').pop()}`;
  if (path.startsWith(`${harnessDir}/dist/`) || path.startsWith(`${harnessDir}/preloads/`)) return HARNESS;
  const at = path.lastIndexOf('/node_modules/');
  if (at >= 0) {
    const rest = path.slice(at + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (path.startsWith('node:')) {
    const parts = path.slice('node:'.length).split('/');
    return `node:${parts[0] === 'internal' ? parts[1] ?? 'internal' : parts[0]}`;
  }
  return APP;
}

export const FRAME_SEPARATOR = '\u241f';

/**
 * Every sample stands for the window's mean interval (duration ÷ samples).
 * Weighting a sample by the gap to the next one reads busy code high here
 * (+19% on a known 150 µs burn against −6% by count): the sampler's signals
 * land late while the thread is busy, so the gaps after busy samples are long.
 * Self time is summed per node, then per bucket, function and stack.
 */
export function summariseProfile(
  config: string, profile: CpuProfile, requests: number, harnessDir: string, preloads: readonly string[] = [], minStackShare = 0.002,
): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const selfUs = new Map<number, number>();
  const n = profile.samples.length;
  const meanUs = n > 0 ? (profile.endTime - profile.startTime) / n : 0;
  for (const id of profile.samples) selfUs.set(id, (selfUs.get(id) ?? 0) + meanUs);
  const bucketsMs: Record<string, number> = {};
  const functions = new Map<string, FunctionTime>();
  const stacks = new Map<string, number>();
  let busyUs = 0;
  let sampledUs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    const bucket = bucketOf(node.callFrame, harnessDir, preloads);
    sampledUs += us;
    if (bucket === IDLE) continue;
    busyUs += us;
    bucketsMs[bucket] = (bucketsMs[bucket] ?? 0) + us / 1000;
    const key = `${bucket}|${node.callFrame.functionName}|${node.callFrame.url}|${node.callFrame.lineNumber}`;
    const entry = functions.get(key)
      ?? { bucket, functionName: node.callFrame.functionName || '(anonymous)', url: node.callFrame.url, line: node.callFrame.lineNumber + 1, selfMs: 0 };
    entry.selfMs += us / 1000;
    functions.set(key, entry);
    const frames: string[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!.callFrame;
      if (frame.functionName === '(root)') break;
      frames.unshift(`${bucketOf(frame, harnessDir, preloads)}${FRAME_SEPARATOR}${frame.functionName || '(anonymous)'}`);
    }
    const stackKey = frames.join('\n');
    stacks.set(stackKey, (stacks.get(stackKey) ?? 0) + us / 1000);
  }
  return {
    config,
    requests,
    bucketsMs,
    busyMs: busyUs / 1000,
    sampledMs: sampledUs / 1000,
    functions: [...functions.values()].sort((a, b) => b.selfMs - a.selfMs),
    stacks: foldSmallStacks(stacks, (busyUs / 1000) * minStackShare),
  };
}

/** Stacks under `minMs` give their time to their parent stack, so a flame graph keeps its total and stays small. */
function foldSmallStacks(stacks: ReadonlyMap<string, number>, minMs: number): Array<{ frames: string[]; ms: number }> {
  const weights = new Map(stacks);
  const byDepth = [...weights.keys()].sort((a, b) => b.split('\n').length - a.split('\n').length);
  for (const key of byDepth) {
    const ms = weights.get(key)!;
    const frames = key.split('\n');
    if (ms >= minMs || frames.length <= 1) continue;
    weights.delete(key);
    const parentKey = frames.slice(0, -1).join('\n');
    weights.set(parentKey, (weights.get(parentKey) ?? 0) + ms);
  }
  return [...weights.entries()].map(([key, ms]) => ({ frames: key.split('\n'), ms })).sort((a, b) => b.ms - a.ms);
}

/** A config's buckets against the baseline's, per request, largest change first; the top functions by added self time. */
export function attribute(config: ProfileSummary, baseline: ProfileSummary, measuredDeltaMsPerRequest?: number, topN = 8): Attribution {
  const per = (summary: ProfileSummary, ms: number | undefined) => (ms ?? 0) / Math.max(1, summary.requests);
  const buckets = [...new Set([...Object.keys(config.bucketsMs), ...Object.keys(baseline.bucketsMs)])];
  const rows = buckets.map((bucket) => {
    const configMsPerRequest = per(config, config.bucketsMs[bucket]);
    const baselineMsPerRequest = per(baseline, baseline.bucketsMs[bucket]);
    return { bucket, configMsPerRequest, baselineMsPerRequest, deltaMsPerRequest: configMsPerRequest - baselineMsPerRequest };
  }).sort((a, b) => b.deltaMsPerRequest - a.deltaMsPerRequest);
  const profiled = rows.reduce((sum, row) => sum + row.deltaMsPerRequest, 0);
  const baseFunctions = new Map(baseline.functions.map((f) => [`${f.bucket}|${f.functionName}|${f.url}|${f.line}`, f.selfMs]));
  const topFunctions = config.functions
    .map((f) => ({ ...f, deltaMsPerRequest: per(config, f.selfMs) - per(baseline, baseFunctions.get(`${f.bucket}|${f.functionName}|${f.url}|${f.line}`)) }))
    .sort((a, b) => b.deltaMsPerRequest - a.deltaMsPerRequest)
    .slice(0, topN);
  const measured = measuredDeltaMsPerRequest !== undefined && measuredDeltaMsPerRequest > 0 ? measuredDeltaMsPerRequest : undefined;
  return {
    config: config.config,
    baseline: baseline.config,
    rows,
    profiledDeltaMsPerRequest: profiled,
    ...(measured !== undefined ? { measuredDeltaMsPerRequest: measured, attributedShare: profiled / measured } : {}),
    topFunctions,
    notCovered: 'V8 samples the main JavaScript thread only: work on other threads (the libuv pool, e.g. asynchronous zlib; GC helper threads; ' +
      'the profiler itself) is in the measured CPU but not in these rows.',
  };
}
