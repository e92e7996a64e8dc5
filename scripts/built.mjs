// Exits 0 when every build output is newer than every input, so `npm test` right after `npm ci` (whose prepare
// script has just built everything) does not compile it all a second time; 1 otherwise. As make decides.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const files = (dir) => (existsSync(dir) ? readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)) : []);
const inputs = [
  ...files(join(root, 'src')), ...files(join(root, 'fixtures', 'service', 'src')), ...files(join(root, 'fixtures', 'esm-service', 'src')),
  ...['tsconfig.json', 'package.json', 'package-lock.json', 'scripts/build.mjs', 'scripts/bundle.mjs', 'fixtures/service/tsconfig.json', 'fixtures/esm-service/tsconfig.json',
    'fixtures/esm-service/tsconfig.cjs.json'].map((f) => join(root, f)),
];
const outputs = ['dist/cli/main.js', 'dist/bundle/main.js', 'dist/probe/target-probe.cjs', 'fixtures/service/dist/server.js', 'fixtures/esm-service/dist/server.js',
  'fixtures/esm-service/cjs/server.js'].map((f) => join(root, f));
if (!outputs.every(existsSync)) process.exit(1);
const newestInput = Math.max(...inputs.filter(existsSync).map((f) => statSync(f).mtimeMs));
const oldestOutput = Math.min(...outputs.map((f) => statSync(f).mtimeMs));
process.exit(oldestOutput >= newestInput ? 0 : 1);
