import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import { createApp } from '../../src/app';
import { call, callApp } from '../helpers/http';

describe('health', () => {
  it('GET /health is 200 ok and touches nothing', async () => {
    const res = await call('/health');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('GET /health/ready reports config, D1 and KV', async () => {
    const res = await call('/health/ready');
    const body = (await res.json()) as { status: string; checks: Record<string, { status: string }> };
    expect(body.checks.config?.status).toBe('ok');
    expect(body.checks.d1?.status).toBe('ok');
    expect(body.checks.kv?.status).toBe('ok');
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('names a missing variable, never its value, and answers 503', async () => {
    const res = await callApp(createApp(), '/health/ready', undefined, {
      ...env,
      CLERK_SECRET_KEY: undefined,
      CLERK_PUBLISHABLE_KEY: 'pk_live_garbage',
    });
    expect(res.status).toBe(503);
    const body = (await res.json()) as {
      checks: { config: { status: string; problems: { name: string; issue: string }[] } };
    };
    expect(body.checks.config.status).toBe('fail');
    expect(body.checks.config.problems).toEqual(
      expect.arrayContaining([
        { name: 'CLERK_SECRET_KEY', issue: 'missing' },
        expect.objectContaining({ name: 'CLERK_PUBLISHABLE_KEY', issue: 'malformed' }),
      ]),
    );
    expect(JSON.stringify(body)).not.toContain('pk_live_garbage');
  });

  it('reports D1 and KV failures without a stack trace', async () => {
    const broken = {
      ...env,
      DB: { prepare: () => ({ first: () => Promise.reject(new Error('D1_ERROR: disk on fire')) }) },
      JWKS_CACHE: { get: () => Promise.reject(new Error('KV down')) },
    };
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const res = await callApp(createApp(), '/health/ready', undefined, broken);
    errors.mockRestore();
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(text).not.toMatch(/disk on fire|KV down|at /);
    const body = JSON.parse(text) as { checks: Record<string, { status: string }> };
    expect(body.checks.d1?.status).toBe('fail');
    expect(body.checks.kv?.status).toBe('fail');
  });
});
