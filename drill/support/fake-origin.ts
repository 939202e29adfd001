// A stand-in for Fulcrum's API origin behind the gateway, for the drill: a Node HTTP server on 127.0.0.1
// that can be switched at run time to up (200 echoing the method and path), down (connections refused,
// open ones reset) or slow (response headers held back until `slowMs` or the next mode change). It
// records what reached it (the edge's identity assertion among it), so a row can count forwarded
// requests and verify assertions itself (scripts/dev-origin.ts is the interactive one; this one is driven).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { loopbackServer } from './loopback-server.ts';

export type OriginMode = 'up' | 'down' | 'slow';
export type OriginHit = { method: string; path: string; assertion: string | null; userId: string | null; at: number };

export type FakeOrigin = ReturnType<typeof createFakeOrigin>;

export function createFakeOrigin({ slowMs = 20_000 } = {}) {
  let mode: OriginMode = 'up';
  const hits: OriginHit[] = [];
  // Held-back answers of slow mode: released (answered) when the mode changes or the origin stops.
  const held = new Set<() => void>();

  const header = (req: IncomingMessage, name: string) => {
    const v = req.headers[name];
    return typeof v === 'string' ? v : null;
  };

  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    for await (const _ of req) {
      // drain the body
    }
    const url = new URL(req.url ?? '/', 'http://origin.drill');
    hits.push({
      method: req.method ?? '',
      path: url.pathname,
      assertion: header(req, 'x-fulcrum-assertion'),
      userId: header(req, 'x-fulcrum-user-id'),
      at: Date.now(),
    });
    if (mode === 'slow') {
      await new Promise<void>((resolve) => {
        const release = () => {
          clearTimeout(timer);
          held.delete(release);
          resolve();
        };
        const timer = setTimeout(release, slowMs);
        held.add(release);
      });
    }
    if (res.destroyed) return;
    const body = JSON.stringify({ origin: 'drill', path: url.pathname });
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  };

  const server = loopbackServer(handler);
  const releaseAll = () => {
    for (const release of [...held]) release();
  };

  return {
    async start() {
      await server.up(0);
    },
    get url() {
      return `http://127.0.0.1:${server.port}`;
    },
    /** Every request that reached the origin, in order. */
    hits,
    /** Slow answers not sent yet: > 0 while the edge is still waiting for the origin's headers. */
    get heldBack() {
      return held.size;
    },
    async setMode(next: OriginMode) {
      releaseAll();
      if (next === 'down' && mode !== 'down') await server.down();
      if (next !== 'down' && mode === 'down') await server.up();
      mode = next;
    },
    async close() {
      releaseAll();
      if (mode !== 'down') await server.down();
    },
  };
}
