import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resultSchema } from '../../src/samples/result-schema.js';
import { root } from '../helpers.js';

const fixture = () => JSON.parse(readFileSync(join(root, 'test', 'fixtures', 'results', 'agents.json'), 'utf8')) as Record<string, unknown>;

describe('the result schema', () => {
  it('keeps every field of a real result: a field it does not name would be stripped, and the reports would lose it', () => {
    const original = fixture();
    const parsed = resultSchema.parse(original);
    expect(parsed).toEqual(original);
  });

  it('refuses what the cross-field rules forbid, naming the path', () => {
    const cases: Array<[string, (doc: any) => void, string]> = [
      ['a run of a config not in configs', (d) => { d.runs[0].config = 'ghost'; }, 'runs,0,config'],
      ['a reused pair id across rounds', (d) => { d.runs[2].pair = d.runs[0].pair; }, 'runs,2,pair'],
      ['a duplicate config name', (d) => { d.configs[1].name = d.configs[0].name; }, 'configs,1,name'],
      ['a rate of 0', (d) => { d.design.ratesRps = [0]; }, 'design,ratesRps,0'],
      ['a baseline that is not a config', (d) => { d.scenario.baseline = 'nobody'; }, 'scenario,baseline'],
      ['a prototype name', (d) => { d.configs[0].name = 'toString'; }, 'configs,0,name'],
      ['a histogram that is not one', (d) => { d.runs[0].latencyUs.histogram = 'SGVsbG8='; }, 'runs,0,latencyUs,histogram'],
      ['a run out of place', (d) => { d.runs[1].index = 7; }, 'runs,1,index'],
    ];
    for (const [what, poison, path] of cases) {
      const doc = fixture();
      poison(doc);
      const parsed = resultSchema.safeParse(doc);
      expect(parsed.success, what).toBe(false);
      expect(parsed.error!.issues.map((i) => i.path.join(',')), what).toContain(path);
    }
  });
});
