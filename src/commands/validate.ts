import { UserError } from '../errors.js';
import { sessionPreview } from '../run/session.js';
import { loadScenario } from '../scenario/load.js';

export type Validation = { file: string; ok: true; preview: string } | { file: string; ok: false; error: string };

/** `apm-bench validate`: every file checked, each problem reported; nothing is run. */
export function validateFiles(files: readonly string[]): Validation[] {
  return files.map((file) => {
    try {
      const loaded = loadScenario(file);
      return { file, ok: true as const, preview: sessionPreview(loaded, loaded.scenario.workload.rounds) };
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      return { file, ok: false as const, error: error.message };
    }
  });
}
