// Vitest reporter for the drill: prints the results table (row, check, expectation, result, observed)
// and, for a full run (`npm run drill`, DRILL_RECORD=1), writes it into docs/RUNBOOK.md between the
// drill-results markers, with the date and each row's time.
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import type { Reporter, TestModule } from 'vitest/node';

const RUNBOOK = new URL('../../docs/RUNBOOK.md', import.meta.url);
const BEGIN = '<!-- drill-results:begin -->';
const END = '<!-- drill-results:end -->';

const cell = (s: string) => s.replace(/\|/g, '/').replace(/\n/g, ' ');

export default class RunbookReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>) {
    const rows: string[] = [];
    const times: string[] = [];
    let passed = 0;
    let failed = 0;
    for (const module of [...modules].sort((a, b) => a.moduleId.localeCompare(b.moduleId))) {
      let row = '';
      for (const test of module.children.allTests()) {
        row = test.parent.type === 'suite' ? test.parent.name : module.moduleId;
        const state = test.result().state;
        const ok = state === 'passed';
        if (ok) passed++;
        else failed++;
        const meta = test.meta().drill;
        const observed = ok
          ? (meta?.observed ?? '')
          : `${meta?.observed ?? ''} ${test.result().errors?.[0]?.message ?? state}`.trim();
        const result = ok ? 'PASS' : 'FAIL';
        rows.push(
          `| ${row} | ${test.name} | ${cell(meta?.expectation ?? '')} | ${result} | ${cell(observed.slice(0, 300))} |`,
        );
      }
      times.push(`${row}: ${(module.diagnostic().duration / 1000).toFixed(1)} s`);
    }
    const table = ['| row | check | expectation | result | observed |', '|---|---|---|---|---|', ...rows].join('\n');
    console.log(`\n${table}\n\n${passed} passed, ${failed} failed; ${times.join(', ')}`);
    if (process.env.DRILL_RECORD !== '1' || rows.length === 0) return;
    const day = new Date().toISOString().slice(0, 10);
    const machine = `${os.cpus().length} cores, load average ${os.loadavg()[0]?.toFixed(1)} at the end`;
    const summary = `${passed} passed, ${failed} failed. Run on ${day} (${machine}); row times: ${times.join(', ')}.`;
    const doc = readFileSync(RUNBOOK, 'utf8');
    const start = doc.indexOf(BEGIN);
    const end = doc.indexOf(END);
    if (start < 0 || end < start) throw new Error(`docs/RUNBOOK.md has no ${BEGIN} … ${END} section`);
    writeFileSync(RUNBOOK, `${doc.slice(0, start + BEGIN.length)}\n${table}\n\n${summary}\n${doc.slice(end)}`);
  }
}
