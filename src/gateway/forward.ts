import { AppError } from '../errors';
import { log } from '../lib/log';

/** Where requests go: the `ORIGIN` service binding, or global fetch to ORIGIN_URL. */
export type SendToOrigin = (request: Request, signal: AbortSignal) => Promise<Response>;

/**
 * Sends one request to the origin, never retried (a retried POST could run twice). Resolves with
 * the origin's response as soon as its headers arrive (its body still streaming). No headers
 * within `timeoutMs` ⇒ 504 `gateway_timeout` (the request is aborted); refused, reset or
 * unreachable ⇒ 502 `bad_gateway`, as is a status outside 200–599 or a 101 without a WebSocket. The
 * origin's own 5xx is a response, passed through.
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
    // What the edge cannot relay as it came is the origin's fault: a status outside 200–599 (a fetched
    // response may hold one; a new Response may not), or 101 Switching Protocols without the WebSocket.
    if ((outcome.status < 200 || outcome.status > 599) && !(outcome.status === 101 && outcome.webSocket)) {
      log('warn', 'gateway.origin_bad_status', { requestId, status: outcome.status });
      throw new AppError('bad_gateway');
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
