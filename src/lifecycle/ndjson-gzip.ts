import { gzipText } from '../lib/gzip';

/**
 * Gzip-compressed NDJSON, the archive's one format (`zcat file | jq` reads it). Objects are compressed to
 * bytes first: an R2 `put()` of a stream needs a known length, and a batch is bounded (≤ 1,000 rows).
 */
export async function gzipNdjson(rows: readonly unknown[]): Promise<Uint8Array> {
  return gzipText(rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
}

/**
 * The lines of a gzip NDJSON body, decompressed as they stream (an archived object is never read whole).
 * Empty lines are skipped; each line is returned as text, to be parsed or passed through.
 */
export async function* ndjsonGzipLines(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const reader = body.pipeThrough(new DecompressionStream('gzip')).pipeThrough(new TextDecoderStream()).getReader();
  let rest = '';
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      finished = done;
      if (done) break;
      rest += value;
      const lines = rest.split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) if (line.trim() !== '') yield line;
    }
    if (rest.trim() !== '') yield rest;
  } finally {
    // Left early (the client went away, a bad line): cancel, which closes the R2 body under the pipes.
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
