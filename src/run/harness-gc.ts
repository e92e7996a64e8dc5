import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | undefined;

/**
 * Collect apm-bench's own garbage before a measured window (as JMH does
 * between iterations), so the load generator is not paused mid-window by a
 * GC that earlier phases ran up. Only this process; never the target.
 */
export function collectHarnessGarbage(): void {
  if (!collect) {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  collect();
}
