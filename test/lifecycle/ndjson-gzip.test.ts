import { describe, expect, it } from 'vitest';
import { gzipNdjson, ndjsonGzipLines } from '../../src/lifecycle/ndjson-gzip';

describe('ndjsonGzipLines', () => {
  it('reads every line of a gzip NDJSON body', async () => {
    const bytes = await gzipNdjson([{ a: 1 }, { b: 2 }]);
    const out: string[] = [];
    for await (const line of ndjsonGzipLines(new Blob([bytes]).stream())) out.push(line);
    expect(out).toEqual(['{"a":1}', '{"b":2}']);
  });

  it('left early (the client went away), it cancels the body instead of leaving it open', async () => {
    const bytes = await gzipNdjson(Array.from({ length: 5_000 }, (_, i) => ({ i, pad: 'x'.repeat(40) })));
    let cancelled = false;
    let offset = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const chunk = bytes.subarray(offset, offset + 256);
        offset += chunk.length;
        if (chunk.length === 0) controller.close();
        else controller.enqueue(chunk);
      },
      cancel() {
        cancelled = true;
      },
    });
    const lines = ndjsonGzipLines(body);
    expect((await lines.next()).value).toBe(JSON.stringify({ i: 0, pad: 'x'.repeat(40) }));
    await lines.return(undefined);
    // Old code: releaseLock only, the source never cancelled.
    for (let i = 0; i < 10 && !cancelled; i++) await new Promise((r) => setTimeout(r, 10));
    expect(cancelled).toBe(true);
    expect(offset).toBeLessThan(bytes.length);
  });
});
