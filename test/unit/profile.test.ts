import { describe, expect, it } from 'vitest';
import { APP, attribute, bucketOf, GC, HARNESS, IDLE, NATIVE, summariseProfile } from '../../src/analysis/profile.js';
import type { CpuProfile } from '../../src/samples/profile.js';
import { flameGraphSvg } from '../../src/report/flamegraph.js';

const frame = (functionName: string, url = '') => ({ functionName, url, lineNumber: 9, columnNumber: 0 });

describe('CPU attribution from V8 profiles', () => {
  it('gives each frame to the package that owns it', () => {
    const harness = '/opt/apm-bench';
    expect(bucketOf(frame('x', 'file:///srv/app/node_modules/dd-trace/packages/dd-trace/src/span.js'), harness)).toBe('dd-trace');
    expect(bucketOf(frame('x', 'file:///srv/app/node_modules/@sentry/core/build/cjs/scope.js'), harness)).toBe('@sentry/core');
    // The innermost node_modules owns the frame: a dependency of an agent is its own package.
    expect(bucketOf(frame('x', 'file:///srv/app/node_modules/dd-trace/node_modules/@datadog/pprof/out/index.js'), harness)).toBe('@datadog/pprof');
    expect(bucketOf(frame('x', 'node:internal/streams/readable'), harness)).toBe('node:streams');
    expect(bucketOf(frame('x', 'node:zlib'), harness)).toBe('node:zlib');
    expect(bucketOf(frame('(garbage collector)'), harness)).toBe(GC);
    expect(bucketOf(frame('(idle)'), harness)).toBe(IDLE);
    expect(bucketOf(frame('writev'), harness)).toBe(NATIVE);
    expect(bucketOf(frame('handler', 'file:///srv/app/server.js'), harness)).toBe(APP);
    expect(bucketOf(frame('collect', 'file:///opt/apm-bench/dist/probe/target-probe.cjs'), harness)).toBe(HARNESS);
    // A config's own preload (an in-house tracer) is its own bucket, not the app's.
    expect(bucketOf(frame('emit', 'file:///srv/app/tracer.cjs'), harness, ['/srv/app/tracer.cjs'])).toBe('preload tracer.cjs');
  });

  it('sums self time per bucket (each sample the mean interval) and sets a config against the baseline per request', () => {
    // root → handler (app) → work (agent); samples: handler, work, work, idle, each 1 ms apart.
    const profile = (agentSamples: number): CpuProfile => {
      const samples = [2, ...Array(agentSamples).fill(3), 4];
      return {
        nodes: [
          { id: 1, callFrame: frame('(root)'), children: [2, 4] },
          { id: 2, callFrame: frame('handler', 'file:///srv/app/server.js'), children: [3] },
          { id: 3, callFrame: frame('work', 'file:///srv/app/node_modules/agent/index.js') },
          { id: 4, callFrame: frame('(idle)') },
        ],
        startTime: 0,
        endTime: samples.length * 1000,
        samples,
        timeDeltas: samples.map(() => 1000),
      };
    };
    const base = summariseProfile('none', profile(0), 10, '/opt/apm-bench');
    const agent = summariseProfile('agent', profile(4), 10, '/opt/apm-bench');
    expect(agent.bucketsMs).toEqual({ [APP]: 1, agent: 4 });
    expect(agent.busyMs).toBe(5);
    expect(agent.sampledMs).toBe(6);
    expect(agent.stacks).toEqual([
      { frames: [`${APP}\u241fhandler`, 'agent\u241fwork'], ms: 4 },
      { frames: [`${APP}\u241fhandler`], ms: 1 },
    ]);
    // 4 ms over 10 requests = 0.4 ms/req extra in the agent; measured 0.5 in the paired windows → 80% attributed.
    const a = attribute(agent, base, 0.5);
    expect(a.rows[0]).toEqual({ bucket: 'agent', configMsPerRequest: 0.4, baselineMsPerRequest: 0, deltaMsPerRequest: 0.4 });
    expect(a.profiledDeltaMsPerRequest).toBeCloseTo(0.4, 12);
    expect(a.attributedShare).toBeCloseTo(0.8, 12);
    expect(a.topFunctions[0]).toMatchObject({ bucket: 'agent', functionName: 'work', line: 10, deltaMsPerRequest: 0.4 });
    // The flame graph is self-contained SVG with a frame per function.
    const svg = flameGraphSvg(agent.stacks, ['agent'], 'test');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain('work (agent): 4.0 ms, 80.0%');
  });
});
