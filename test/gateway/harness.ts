import { env } from 'cloudflare:workers';
import { createApp } from '../../src/app';
import { callApp } from '../helpers/http';

export const AUDIENCE = 'https://api.fulcrum.test';

/** A fresh private signing JWK (JSON, with `kid`) as EDGE_SIGNING_KEY holds it. */
export async function edgeKey(
  alg: 'EdDSA' | 'ES256',
  kid = `edge-${crypto.randomUUID().slice(0, 8)}`,
): Promise<string> {
  const params = alg === 'EdDSA' ? { name: 'Ed25519' } : { name: 'ECDSA', namedCurve: 'P-256' };
  const pair = (await crypto.subtle.generateKey(params, true, ['sign', 'verify'])) as CryptoKeyPair;
  const jwk = (await crypto.subtle.exportKey('jwk', pair.privateKey)) as JsonWebKey;
  return JSON.stringify({ ...jwk, kid });
}

/** What the origin received (headers, body read in full). */
export type Received = { method: string; url: URL; headers: Headers; body: Uint8Array };

export type OriginHandler = (request: Request, signal: AbortSignal | undefined) => Response | Promise<Response>;

/**
 * A captured origin, used as the `ORIGIN` service binding: every request that reaches it is
 * recorded (so a test can prove a refused request never arrived), then answered by `handler`
 * (by default an echo of what it received).
 */
export function capturedOrigin(handler?: OriginHandler) {
  const received: Received[] = [];
  const binding = {
    async fetch(input: Request, init?: { signal?: AbortSignal }) {
      const request = input;
      if (handler) {
        received.push({
          method: request.method,
          url: new URL(request.url),
          headers: new Headers(request.headers),
          body: new Uint8Array(),
        });
        return handler(request, init?.signal);
      }
      const body = new Uint8Array(await request.arrayBuffer());
      received.push({ method: request.method, url: new URL(request.url), headers: new Headers(request.headers), body });
      return Response.json({ method: request.method, path: new URL(request.url).pathname, bytes: body.length });
    },
  };
  return { binding: binding as unknown as Fetcher, received };
}

export type GatewayBindings = typeof env;

/** Bindings for a gateway: the routes, the captured origin as `ORIGIN`, a signing key. */
export async function gatewayBindings(
  routes: unknown[],
  origin: { binding: Fetcher },
  extra: Record<string, unknown> = {},
): Promise<GatewayBindings> {
  return {
    ...env,
    GATEWAY_ROUTES: JSON.stringify(routes),
    ORIGIN: origin.binding,
    EDGE_AUDIENCE: AUDIENCE,
    EDGE_SIGNING_KEY: await edgeKey('EdDSA'),
    ...extra,
  } as unknown as GatewayBindings;
}

const app = createApp();

/** Calls the real app (real auth, D1, onError) with the given bindings. */
export function send(bindings: GatewayBindings, path: string, init?: RequestInit): Promise<Response> {
  return callApp(app, path, init, bindings);
}
