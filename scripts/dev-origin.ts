// `npm run dev:origin`: a tiny local stand-in for Fulcrum's API origin, behind the gateway's sample
// `/api/` route (.dev.vars: ORIGIN_URL=http://127.0.0.1:8789). It answers every request with what it
// received (method, path, query, the x-fulcrum-* / x-forwarded-* / x-request-id headers) and the
// identity assertion verified against the edge's JWKS (jose), so a curl through the edge shows the
// forwarded identity. `node scripts/dev-origin.ts -- <command…>` also runs the command (`npm run dev`
// runs wrangler dev this way) and stops with it. Local development only.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { createRemoteJWKSet, jwtVerify } from 'jose';

const PORT = Number(process.env.DEV_ORIGIN_PORT ?? 8789);
const EDGE = process.env.DEV_EDGE_URL ?? 'http://127.0.0.1:8787';
const jwks = createRemoteJWKSet(new URL('/.well-known/fulcrum/jwks.json', EDGE), { cooldownDuration: 30_000 });

async function verifyAssertion(assertion: string | string[] | undefined) {
  if (Array.isArray(assertion)) return { present: true, verified: false, error: 'several assertions' };
  if (!assertion) return { present: false };
  try {
    // The issuer is the edge's origin unless EDGE_ISSUER is set; the audience ORIGIN_URL's origin.
    const { payload, protectedHeader } = await jwtVerify(assertion, jwks, {
      typ: 'fulcrum-assertion+jwt',
      audience: process.env.DEV_EDGE_AUDIENCE ?? `http://127.0.0.1:${PORT}`,
      issuer: process.env.DEV_EDGE_ISSUER ?? EDGE,
      clockTolerance: 5,
    });
    return { present: true, verified: true, alg: protectedHeader.alg, kid: protectedHeader.kid, claims: payload };
  } catch (error) {
    const e = error as { code?: string; message?: string };
    return { present: true, verified: false, error: String(e.code ?? e.message ?? error) };
  }
}

const server = createServer(async (req, res) => {
  let bytes = 0;
  for await (const chunk of req) bytes += chunk.length;
  const url = new URL(req.url ?? '/', 'http://origin.local');
  const headers = Object.fromEntries(
    Object.entries(req.headers).filter(
      ([k]) => k.startsWith('x-fulcrum-') || k.startsWith('x-forwarded-') || k === 'x-request-id',
    ),
  );
  const assertion = await verifyAssertion(req.headers['x-fulcrum-assertion']);
  if (headers['x-fulcrum-assertion'])
    headers['x-fulcrum-assertion'] = `${String(headers['x-fulcrum-assertion']).slice(0, 24)}…`;
  const body = JSON.stringify(
    {
      origin: 'dev-origin',
      method: req.method,
      path: url.pathname,
      query: url.search,
      bodyBytes: bytes,
      headers,
      assertion,
    },
    null,
    2,
  );
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(`${body}\n`);
});

const command = process.argv.indexOf('--');
const child = command >= 0 ? process.argv.slice(command + 1) : [];

server.on('error', (error: NodeJS.ErrnoException) => {
  // Already running (`npm run dev:origin` in another terminal): use that one.
  if (error.code === 'EADDRINUSE' && child.length > 0)
    console.error(`dev-origin: port ${PORT} in use, assuming it is already running`);
  else throw error;
});
server.listen(PORT, '127.0.0.1', () =>
  console.error(`dev-origin: echoing on http://127.0.0.1:${PORT} (edge JWKS from ${EDGE})`),
);

const [cmd, ...args] = child;
if (cmd !== undefined) {
  const proc = spawn(cmd, args, { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => proc.kill(signal));
  proc.on('exit', (code, signal) => {
    server.close();
    process.exit(code ?? (signal ? 1 : 0));
  });
}
