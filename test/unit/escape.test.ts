import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resultPath } from '../../src/commands/project.js';
import type { GateOutcome } from '../../src/gate/gate.js';
import { renderAnnotations, renderGateMarkdown, renderJUnit } from '../../src/report/ci.js';
import { markdownText } from '../../src/report/escape.js';

/** A config name from a hand-edited result file: a new line with a heading, a table row, an image, and an XML-forbidden byte. */
const hostile = 'agent\n## Approved ✅\n| ✅ pass | x |\n![](https://example.com/p.png)<img src=x>\u0001,file=src/app.ts:';
const outcome: GateOutcome = {
  verdict: 'fail', exitCode: 1, runBroke: false,
  cases: [{ config: hostile, check: 'cpu ≤ +15%', verdict: 'fail', measured: '+40% [+30%, +50%], budget +15%', note: 'a\nb' }],
};

describe('outputs escaped for their format', () => {
  it('a name cannot add lines, rows, images or tags to the gate\'s Markdown', () => {
    const md = renderGateMarkdown('head', outcome);
    const lines = md.split('\n');
    // Title, blank, header, rule, one row, blank, footer, and the final newline's empty string.
    expect(lines).toHaveLength(8);
    expect(lines.filter((l) => l.startsWith('|'))).toHaveLength(3);
    expect(md).not.toMatch(/^#+ Approved/m);
    expect(md).not.toContain('![](');
    expect(md).not.toMatch(/(^|[^\\])<img/);
    expect(markdownText('a|b')).toBe('a\\|b');
  });

  it('JUnit stays well-formed XML: no forbidden control characters, markup escaped', () => {
    const xml = renderJUnit('suite\u0000', outcome);
    expect(xml).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
    expect(xml).toContain('&lt;img src=x&gt;');
  });

  it('an annotation cannot be given a forged file= property or a second command', () => {
    const annotation = renderAnnotations(outcome);
    expect(annotation.split('\n')).toHaveLength(1);
    const [properties] = annotation.slice(2).split('::');
    expect(properties).toMatch(/^error title=/);
    // The name's comma and colons are encoded (%2C, %3A), so the title is the only property.
    expect(properties!.split(',')).toHaveLength(1);
    expect(properties).toContain('%2Cfile=src/app.ts%3A');
  });
});

describe('result file names', () => {
  it('two results of one scenario in the same second get two files, never one overwritten', () => {
    const dir = mkdtempSync(join(tmpdir(), 'apm-bench-names-'));
    const first = resultPath(dir, 'quick');
    writeFileSync(first, '{}');
    const second = resultPath(dir, 'quick');
    expect(second).not.toBe(first);
    // Within the same second the second is "-2"; across a second boundary it has its own timestamp.
    expect(second.endsWith('-2.json') || second.replace(/-\d+\.json$/, '') !== first.replace(/\.json$/, '')).toBe(true);
  });
});
