// `npm run build` (and prepare, prepack): the four TypeScript projects, two at a time (they are independent, and
// each tsc uses about one core), then the bundle. Sequential they took 18 s of a fresh `npm ci` here; this takes 13.5 s.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const projects = ['tsconfig.json', 'fixtures/service/tsconfig.json', 'fixtures/esm-service/tsconfig.json', 'fixtures/esm-service/tsconfig.cjs.json'];

function compile(project) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tsc, '-p', project], { cwd: root, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`tsc -p ${project} exited with ${code}`))));
  });
}

const queue = [...projects];
const worker = async () => { for (let project = queue.shift(); project; project = queue.shift()) await compile(project); };
try {
  await Promise.all([worker(), worker()]);
} catch (error) {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
await import('./bundle.mjs');
