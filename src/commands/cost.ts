import { readResult, type ResultDocument } from '../samples/result.js';
import type { ConfigCost } from '../cost/project.js';
import { costSetup, projectCosts, type CostFlags, type CostSetup } from './project.js';

/** `apm-bench cost result.json`: the monthly bill of each config under a traffic profile, without re-running. */
export function costOfFile(file: string, flags: CostFlags): { result: ResultDocument; setup: CostSetup; costs: ConfigCost[] } {
  const setup = costSetup(flags);
  const result = readResult(file);
  return { result, setup, costs: projectCosts(result, setup).costs };
}
