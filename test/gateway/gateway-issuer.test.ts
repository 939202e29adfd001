import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { expectError } from '../helpers/http';
import { uid } from '../helpers/ids';
import { bearer, mintSessionToken } from '../helpers/tokens';
import { capturedOrigin, gatewayBindings, send } from './harness';

describe('the assertion’s iss', () => {
  it('staging/production without EDGE_ISSUER: 503 misconfigured naming it, readiness names it, nothing forwarded', async () => {
    for (const ENVIRONMENT of ['staging', 'production']) {
      const origin = capturedOrigin();
      const b = await gatewayBindings([{ prefix: '/api/' }], origin, { ENVIRONMENT, EDGE_ISSUER: '' });
      const token = await mintSessionToken({ userId: uid('user') });
      const error = (await expectError(
        await send(b, '/api/x', { headers: { ...bearer(token), host: 'evil.example' } }),
        503,
        'misconfigured',
      )) as unknown as { missing: string[] };
      expect(error.missing).toEqual(['EDGE_ISSUER']);
      expect(origin.received).toHaveLength(0);
      const ready = (await (await send(b, '/health/ready')).json()) as {
        checks: { gateway: { status: string; missing?: string[] } };
      };
      expect(ready.checks.gateway.status).toBe('fail');
      expect(ready.checks.gateway.missing).toContain('EDGE_ISSUER');
    }
  });

  it('with EDGE_ISSUER the Host header never changes iss; in development without it, the request origin', async () => {
    const origin = capturedOrigin();
    const b = await gatewayBindings([{ prefix: '/api/' }], origin, {
      ENVIRONMENT: 'production',
      EDGE_ISSUER: 'https://auth.fulcrum.test',
    });
    const token = await mintSessionToken({ userId: uid('user') });
    expect((await send(b, '/api/x', { headers: { ...bearer(token), host: 'evil.example' } })).status).toBe(200);
    expect(decodeJwt(origin.received[0]!.headers.get('x-fulcrum-assertion')!).iss).toBe('https://auth.fulcrum.test');
    const dev = await gatewayBindings([{ prefix: '/api/' }], origin, { EDGE_ISSUER: '' });
    expect((await send(dev, '/api/x', { headers: bearer(token) })).status).toBe(200);
    expect(decodeJwt(origin.received[1]!.headers.get('x-fulcrum-assertion')!).iss).toBe('https://edge.fulcrum.test');
  });
});
