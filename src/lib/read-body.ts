/** Why a body could not be read. */
export type BodyProblem = 'too_large' | 'not_utf8';

/**
 * Reads a request body as UTF-8 text, at most `limit` bytes. A declared `Content-Length`
 * over the limit is refused before reading anything; without one (chunked), reading stops
 * as soon as the running total passes the limit, so an oversize body is never buffered.
 * Invalid UTF-8 is refused rather than silently replaced (a signature covers exact bytes).
 */
export async function readBodyLimited(
  request: Request,
  limit: number,
): Promise<{ ok: true; text: string } | { ok: false; problem: BodyProblem }> {
  const declared = request.headers.get('content-length');
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > limit) return { ok: false, problem: 'too_large' };
  if (!request.body) return { ok: true, text: '' };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      return { ok: false, problem: 'too_large' };
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes) };
  } catch {
    return { ok: false, problem: 'not_utf8' };
  }
}
