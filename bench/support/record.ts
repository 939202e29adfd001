// How `npm run bench -- --record` rewrites BENCHMARKS.md (pure; test/bench/record.test.ts): the generated header,
// then any notes a person wrote under it (kept as they are), then the sections, each replaced only by a section of
// the same title that this run measured; new sections go last.

/** The first line of a section (`## Title`), which identifies it. */
const titleOf = (section: string) => section.split('\n', 1)[0];

/**
 * The new file from the previous one (empty when there is none), the header this run generates and the sections it
 * measured. Text between the previous header's last line and the first section is a note: it survives.
 */
export function mergeBenchmarks(previous: string, header: string, sections: readonly string[]): string {
  const [head = '', ...old] = previous === '' ? [''] : previous.split(/^(?=## )/m);
  const headerEnd = header.trimEnd().split('\n').at(-1) ?? '';
  const at = headerEnd === '' ? -1 : head.indexOf(headerEnd);
  const notes = at < 0 ? '' : head.slice(at + headerEnd.length).trim();
  const merged = old.map((o) => sections.find((s) => titleOf(s) === titleOf(o)) ?? o);
  for (const s of sections) if (!merged.some((m) => titleOf(m) === titleOf(s))) merged.push(s);
  const top = notes === '' ? header.trimEnd() : `${header.trimEnd()}\n\n${notes}`;
  return `${top}\n\n${merged.map((s) => s.trimEnd()).join('\n\n')}\n`;
}
