// Regenerates the README screenshots from a report: node docs/screenshots.mjs reports/quick-<time>.html docs
// Needs Debian's chromium (apt-get install chromium) or CHROMIUM_PATH.
import { resolve } from 'node:path';
import { chromium } from 'playwright-core';
const [file, outDir] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
const page = await browser.newPage({ viewport: { width: 1100, height: 1000 } });
await page.goto('file://' + resolve(file));
const box = async (sel) => page.locator(sel).first().boundingBox();
const cpu = await box('#chart-cpu-overhead');
await page.screenshot({ path: `${outDir}/report-overhead.png`, clip: { x: 0, y: 0, width: 1100, height: cpu.y + cpu.height + 20 }, fullPage: true });
const rate = await box('#sampling');
await page.screenshot({ path: `${outDir}/report-sample-rate.png`, clip: { x: 0, y: rate.y - 10, width: 1100, height: rate.height + 20 }, fullPage: true });
const cost = await box('#cost h2');
const table = await box('#cost .scroll');
await page.screenshot({ path: `${outDir}/report-cost.png`, clip: { x: 0, y: cost.y - 10, width: 1100, height: table.y + table.height - cost.y + 25 }, fullPage: true });
await browser.close();
