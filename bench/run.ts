// `npm run bench [-- name ...] [--record]`: runs each bench/<name>.bench.ts (all by default) and
// prints its section; with `--record` it also writes them into BENCHMARKS.md (replacing only the
// sections it ran, keeping notes written under the header: bench/support/record.ts), so a run to
// look at a figure leaves the recorded ones alone. A bench module exports `title` and `run()`, which
// resolves to a markdown section (tables of medians, ratios against a baseline measured in the same
// run). Benchmarks measure; they never fail on a wall-clock threshold.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { mergeBenchmarks } from './support/record.ts';

const args = process.argv.slice(2);
const record = args.includes('--record');
const only = args.filter((a) => a !== '--record');
const all = readdirSync(new URL('.', import.meta.url))
  .filter((f) => f.endsWith('.bench.ts'))
  .sort();
const files = all.filter((f) => only.length === 0 || only.includes(f.replace('.bench.ts', '')));
const unknown = only.filter((name) => !all.includes(`${name}.bench.ts`));
if (unknown.length > 0) {
  const names = all.map((f) => f.replace('.bench.ts', '')).join(', ');
  console.error(`bench: no bench named ${unknown.join(', ')} (one of: ${names})`);
  process.exit(2);
}

/** A bench module: its section title, and `run()` resolving to the section's markdown. */
type Bench = { title: string; run: () => Promise<string> };

// Each section names the machine it was measured on: a subset run replaces only its own sections.
const machine =
  `${os.cpus().length}× ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ` +
  `Node ${process.version}`;
const sections: string[] = [];
for (const file of files) {
  const mod: Bench = await import(new URL(file, import.meta.url).href);
  console.error(`bench: ${file} …`);
  const started = Date.now();
  const body = await mod.run();
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  const measured = `${new Date().toISOString().slice(0, 10)} on ${machine}`;
  sections.push(`## ${mod.title}\n\n_${file}, ${seconds} s, measured ${measured}_\n\n${body.trim()}\n`);
}

console.log(sections.join('\n'));
if (record) recordSections(sections);
else console.error('bench: BENCHMARKS.md left as it was (add --record to write these sections into it)');

/** Writes the sections into BENCHMARKS.md, replacing only those a subset run measured. */
function recordSections(sections: string[]) {
  const header = `# Benchmarks

Reproduce with \`npm run bench -- --record\` (or \`npm run bench -- <name> --record\` for one of: \
${all.map((f) => `\`${f.replace('.bench.ts', '')}\``).join(', ')}; without \`--record\` the results are only printed).
Each section names the day and machine it was measured on.
Shared, noisy machines: read the ratios (each measured against a baseline in the same run), not the absolute times.
`;
  const target = new URL('../BENCHMARKS.md', import.meta.url);
  const previous = existsSync(target) ? readFileSync(target, 'utf8') : '';
  writeFileSync(target, mergeBenchmarks(previous, header, sections));
  console.error(`bench: ${sections.length} section(s) of BENCHMARKS.md rewritten`);
}
