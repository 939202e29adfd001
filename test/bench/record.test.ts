import { describe, expect, it } from 'vitest';
import { mergeBenchmarks } from '../../bench/support/record';

const header =
  '# Benchmarks\n\nReproduce with `npm run bench` (one of: `a`, `b`).\nShared machines: read the ratios.\n';
const oldHeader = '# Benchmarks\n\nReproduce with `npm run bench` (one of: `a`).\nShared machines: read the ratios.\n';
const a1 = '## A\n\nold a\n';
const b1 = '## B\n\nold b\n';

describe('BENCHMARKS.md merging', () => {
  it('keeps a note written under the header (a --record run used to drop it) and regenerates the header', () => {
    const previous = `${oldHeader}\nA note about the A section: recorded under load.\n\n${a1}\n${b1}`;
    const out = mergeBenchmarks(previous, header, ['## A\n\nnew a\n']);
    expect(out).toBe(`${header}\nA note about the A section: recorded under load.\n\n## A\n\nnew a\n\n## B\n\nold b\n`);
  });

  it('replaces only the sections measured, in place, and appends new ones last', () => {
    const previous = `${header}\n${a1}\n${b1}`;
    const out = mergeBenchmarks(previous, header, ['## C\n\nnew c\n', '## A\n\nnew a\n']);
    expect(out).toBe(`${header}\n## A\n\nnew a\n\n## B\n\nold b\n\n## C\n\nnew c\n`);
    expect(mergeBenchmarks(out, header, ['## C\n\nnew c\n'])).toBe(out); // idempotent
  });

  it('writes a first file from nothing, and a header without notes stays without them', () => {
    expect(mergeBenchmarks('', header, ['## A\n\na\n'])).toBe(`${header}\n## A\n\na\n`);
    expect(mergeBenchmarks(`${header}\n${a1}`, header, [])).toBe(`${header}\n${a1}`);
  });
});
