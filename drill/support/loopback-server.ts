// An HTTP server on 127.0.0.1 that a drill fake can take down and bring back on the same port:
// `down` refuses new connections and resets the open ones (keep-alive included), as a dead host does.
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A Node request listener that answers with a fetch handler (the request body read whole first). */
export function fetchListener(handle: (request: Request) => Promise<Response>): RequestListener {
  return (req, res) => {
    const answer = async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers))
        for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, v);
      const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : Buffer.concat(chunks);
      const response = await handle(
        new Request(`http://127.0.0.1${req.url ?? '/'}`, { method: req.method, headers, body }),
      );
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
    };
    answer().catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  };
}

export function loopbackServer(handler: RequestListener) {
  let server: Server | undefined;
  let port = 0;
  const sockets = new Set<Socket>();
  return {
    get port() {
      return port;
    },
    /** Listens on `at` (0: a free port, then kept for later `up()` calls). */
    up(at = port) {
      return new Promise<void>((resolve) => {
        const s = createServer(handler);
        s.on('connection', (socket) => {
          sockets.add(socket);
          socket.on('close', () => sockets.delete(socket));
        });
        s.listen(at, '127.0.0.1', () => {
          port = (s.address() as AddressInfo).port;
          resolve();
        });
        server = s;
      });
    },
    down() {
      return new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        if (!server) return resolve();
        server.close(() => resolve());
        server = undefined;
      });
    },
  };
}
