import { err, ok, type Result } from './result';
/** Why a body could not be read. */
export type BodyProblem = 'too_large' | 'not_utf8';

/**
 * Reads a body stream, at most `limit` bytes, into one buffer; null when it is larger. A
 * declared `Content-Length` over the limit is refused before reading anything; otherwise
 * reading stops as soon as the running total passes the limit, so an oversize body (a
 * hostile client, or a runaway upstream response) is never buffered.
 */
async function readCapped(
  body: ReadableStream<Uint8Array> | null,
  contentLength: string | null,
  limit: number,
): Promise<Uint8Array | null> {
  if (contentLength !== null && /^\d+$/.test(contentLength) && Number(contentLength) > limit) {
    await body?.cancel().catch(() => {});
    return null;
  }
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** A response body as text, at most `limit` bytes; null when larger. */
export async function readResponseText(res: Response, limit: number): Promise<string | null> {
  const bytes = await readCapped(res.body, res.headers.get('content-length'), limit);
  return bytes === null ? null : new TextDecoder().decode(bytes);
}

/**
 * Reads a request body as UTF-8 text, at most `limit` bytes. Invalid UTF-8 is refused
 * rather than silently replaced (a signature covers exact bytes).
 */
export async function readBodyLimited(request: Request, limit: number): Promise<Result<string, BodyProblem>> {
  const bytes = await readCapped(request.body, request.headers.get('content-length'), limit);
  if (bytes === null) return err('too_large');
  try {
    return ok(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes));
  } catch {
    return err('not_utf8');
  }
}
