import { AppError } from '../errors';
import { log } from '../lib/log';

/** Where requests go: the `ORIGIN` service binding, or global fetch to ORIGIN_URL. */
export type SendToOrigin = (request: Request, signal: AbortSignal) => Promise<Response>;

/**
 * Sends one request to the origin, never retried (a retried POST could run twice). Resolves with
 * the origin's response as soon as its headers arrive (its body still streaming). No headers
 * within `timeoutMs` ⇒ 504 `gateway_timeout` (the request is aborted); refused, reset or
 * unreachable ⇒ 502 `bad_gateway`. The origin's own 5xx is a response, passed through.
 */
export async function sendOnce(
  send: SendToOrigin,
  request: Request,
  timeoutMs: number,
  requestId: string,
): Promise<Response> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const started = Date.now();
  try {
    const outcome = await Promise.race([send(request, controller.signal), timeout]);
    if (outcome === 'timeout') {
      controller.abort();
      log('warn', 'gateway.origin_timeout', { requestId, timeoutMs });
      throw new AppError('gateway_timeout');
    }
    return outcome;
  } catch (error) {
    if (error instanceof AppError) throw error;
    log('warn', 'gateway.origin_unreachable', { requestId, ms: Date.now() - started, error: String(error) });
    throw new AppError('bad_gateway');
  } finally {
    clearTimeout(timer);
  }
}
