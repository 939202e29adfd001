// The origin of the gateway bench (bench/gateway.bench.ts), on 127.0.0.1: every variant forwards to it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the origin saw: requests per path kind, bytes uploaded, the last identity headers received. */
type Seen = Record<string, string | string[] | undefined>;
export type OriginStats = { requests: number; uploadedBytes: number; lastHeaders: Seen };

const CHUNK = Buffer.alloc(64 * 1024, 0x5a);

const JSON_TYPE = { 'content-type': 'application/json' };
const json = (res: ServerResponse, body: unknown) => res.writeHead(200, JSON_TYPE).end(JSON.stringify(body));

/** Writes `bytes` bytes in 64 KiB chunks, waiting for `drain` (backpressure): the origin itself never buffers. */
function streamBytes(res: ServerResponse, bytes: number) {
  res.writeHead(200, { 'content-type': 'application/octet-stream' });
  let left = bytes;
  const pump = () => {
    while (left > 0) {
      const chunk = left >= CHUNK.length ? CHUNK : CHUNK.subarray(0, left);
      left -= chunk.length;
      if (!res.write(chunk)) {
        res.once('drain', pump);
        return;
      }
    }
    res.end();
  };
  pump();
}

/**
 * The origin: `GET …/download?bytes=N` streams N bytes; `POST …/upload` drains the body and answers
 * `{"bytes": n}`; `…/echo` answers the x-fulcrum-* / authorization headers it received; anything
 * else a 2-byte `ok` (the proxied request of the CPU loops).
 */
export function benchOrigin() {
  const stats: OriginStats = { requests: 0, uploadedBytes: 0, lastHeaders: {} };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    stats.requests++;
    const url = new URL(req.url ?? '/', 'http://origin.bench');
    if (url.pathname.endsWith('/download')) return streamBytes(res, Number(url.searchParams.get('bytes') ?? 0));
    let bytes = 0;
    for await (const chunk of req) bytes += (chunk as Buffer).length;
    stats.uploadedBytes += bytes;
    if (url.pathname.endsWith('/upload')) return json(res, { bytes });
    if (url.pathname.endsWith('/echo')) {
      const identity = /^(x-fulcrum-|x-forwarded-|authorization$)/;
      const seen = Object.fromEntries(Object.entries(req.headers).filter(([k]) => identity.test(k)));
      stats.lastHeaders = seen;
      return json(res, seen);
    }
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  };
  return listen(
    createServer((req, res) => void handle(req, res)),
    stats,
  );
}

async function listen<S>(server: Server, stats: S) {
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return { url, stats, close };
}
