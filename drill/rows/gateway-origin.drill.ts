// Runbook: "Gateway: API origin down" and "Gateway: API origin slow".
import { expect } from 'vitest';
import { check, drillRow } from '../support/drill.ts';
import { gatewayVars, originVerifier, signingKey } from '../support/gateway.ts';

/** The drill's ORIGIN_TIMEOUT_MS: short, so the row does not wait 30 s (the default). */
const TIMEOUT_MS = 2000;

drillRow('gateway-origin', ({ clerk, service, origin }) => {
  const verifier = originVerifier(service, origin);
  const logLines = (from: number, event: string) =>
    service.logs.slice(from).filter((l) => l.includes(`"event":"${event}"`));

  check('origin up', '200 from the origin, assertion verifies (jose, published JWKS)', async (observe) => {
    const vars = gatewayVars(origin, { key: signingKey('ed25519').jwk, timeoutMs: TIMEOUT_MS });
    await service.boot({ fresh: true, vars });
    const res = await service.get('/api/hello', clerk.mint({ userId: 'user_gw_origin' }));
    const verified = await verifier.verify(origin.hits.at(-1)?.assertion ?? null);
    const seen = verified.ok ? `verified (${verified.kid})` : verified.error;
    observe(`status ${res.status}, origin saw ${origin.hits.length}, assertion ${seen}`);
    expect(res.status).toBe(200);
    expect(verified.ok && verified.payload.sub).toBe('user_gw_origin');
  });

  check('origin down', '502 bad_gateway (envelope + x-request-id); log gateway.origin_unreachable', async (observe) => {
    await origin.setMode('down');
    const from = service.logs.length;
    const res = await service.get('/api/hello', clerk.mint({ userId: 'user_gw_origin' }));
    const requestId = res.headers.get('x-request-id');
    const lines = logLines(from, 'gateway.origin_unreachable');
    const id = requestId ? 'set' : 'absent';
    observe(`status ${res.status} ${res.body?.error?.code}, x-request-id ${id}, ${lines.length} log line(s)`);
    expect(res.status).toBe(502);
    expect(res.body?.error?.code).toBe('bad_gateway');
    expect(res.body?.error?.requestId).toBe(requestId);
    expect(lines.length).toBe(1);
  });

  check(
    'origin slow',
    `504 gateway_timeout within ORIGIN_TIMEOUT_MS + 1 s (${TIMEOUT_MS + 1000} ms), sent once; ` +
      'log gateway.origin_timeout',
    async (observe) => {
      await origin.setMode('slow');
      const from = service.logs.length;
      const before = origin.hits.length;
      const started = Date.now();
      const res = await service.get('/api/slow', clerk.mint({ userId: 'user_gw_origin' }));
      const ms = Date.now() - started;
      // Causal, beside the bound: the edge answered while the origin's headers were still held back.
      const originStillSilent = origin.heldBack > 0;
      const sent = origin.hits.slice(before).filter((h) => h.path === '/api/slow').length;
      const lines = logLines(from, 'gateway.origin_timeout');
      const code = res.body?.error?.code;
      observe(`status ${res.status} ${code} in ${ms} ms; origin got it ${sent}×, still silent ${originStillSilent}`);
      expect(res.status).toBe(504);
      expect(res.body?.error?.code).toBe('gateway_timeout');
      expect(res.headers.get('x-request-id')).toBe(res.body?.error?.requestId);
      expect(ms).toBeLessThanOrEqual(TIMEOUT_MS + 1000);
      expect(originStillSilent).toBe(true);
      expect(sent).toBe(1);
      expect(lines.some((l) => l.includes(`"timeoutMs":${TIMEOUT_MS}`))).toBe(true);
    },
  );

  check('origin back', '200 again without a restart', async (observe) => {
    await origin.setMode('up');
    const res = await service.get('/api/hello', clerk.mint({ userId: 'user_gw_origin' }));
    observe(`status ${res.status}`);
    expect(res.status).toBe(200);
  });
});
