// What bench/ scripts share: a scratch directory with the fixtures' preloads, and a session run through the real CLI.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** A fresh directory holding copies of these test/fixtures files, for scenarios to preload from. */
export function scratch(prefix, fixtures) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  for (const name of fixtures) copyFileSync(join(root, 'test', 'fixtures', name), join(dir, name));
  return dir;
}

/** Write the scenario into `dir`, run it with `apm-bench run --quiet`, and return its result document. */
export function runSession(dir, name, yaml) {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, yaml);
  const out = join(dir, name);
  execFileSync(process.execPath, [join(root, 'bin', 'apm-bench.js'), 'run', file, '--out', out, '--quiet'], { stdio: 'inherit', env: { ...process.env, CI: '1' } });
  return JSON.parse(readFileSync(join(out, readdirSync(out).find((f) => f.endsWith('.json'))), 'utf8'));
}

/** quick.yaml's route mix, as workload lines. */
export const quickRoutes = `  routes:
    - { method: GET, path: /json, weight: 6 }
    - { method: GET, path: /ping, weight: 2 }
    - { method: POST, path: /orders, weight: 2, body: { sku: SKU-00042, quantity: 2 } }
    - { method: GET, path: /downstream, weight: 1 }
    - { method: GET, path: /error, weight: 1, expectStatus: 500 }`;
