import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { createApp } from '../../src/app';
import { validate } from '../../src/http/validate';
import { call, callApp, expectError } from '../helpers/http';

describe('request ids', () => {
  it('adds an x-request-id to every response, errors included', async () => {
    for (const path of ['/health', '/nope']) {
      const res = await call(path);
      expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('is always the edge’s own: a client id (well-formed or hostile) is never used', async () => {
    for (const bad of ['trace-123.abc', '<script>', 'a'.repeat(200), 'id with spaces', '']) {
      const res = await call('/health', { headers: { 'x-request-id': bad } });
      expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('unique per request', async () => {
    const ids = await Promise.all(
      Array.from({ length: 10 }, () => call('/health').then((r) => r.headers.get('x-request-id'))),
    );
    expect(new Set(ids).size).toBe(10);
  });
});

describe('error envelope', () => {
  it('unknown route ⇒ 404 not_found envelope', async () => {
    await expectError(await call('/definitely/not/here'), 404, 'not_found');
    await expectError(await call('/health/../../etc/passwd'), 404, 'not_found');
  });

  it('wrong method on a known route ⇒ 405 with Allow', async () => {
    const res = await call('/health', { method: 'DELETE' });
    await expectError(res, 405, 'method_not_allowed');
    expect(res.headers.get('allow')).toContain('GET');
  });

  it('secure headers are set', async () => {
    const res = await call('/health');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
  });

  it('a thrown error ⇒ generic 500, no message from the error, detail only in the log', async () => {
    const app = createApp();
    app.get('/boom', () => {
      throw new Error('secret detail sk_test_abcdef');
    });
    const logged: string[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((line: string) => void logged.push(line));
    const res = await callApp(app, '/boom');
    spy.mockRestore();
    const err = await expectError(res, 500, 'internal');
    expect(err.message).toBe('Internal error.');
    expect(JSON.stringify(err)).not.toContain('secret detail');
    expect(logged.join('\n')).toContain('secret detail');
    expect(logged.join('\n')).not.toContain('sk_test_abcdef');
  });

  it('malformed JSON and invalid bodies ⇒ 400 invalid_request', async () => {
    const app = createApp();
    app.post('/echo', validate('json', z.object({ name: z.string().max(10) })), (c) => c.json(c.req.valid('json')));
    const json = { 'content-type': 'application/json' };
    await expectError(
      await callApp(app, '/echo', { method: 'POST', headers: json, body: '{"name":' }),
      400,
      'invalid_request',
    );
    await expectError(
      await callApp(app, '/echo', { method: 'POST', headers: json, body: '[1,2]' }),
      400,
      'invalid_request',
    );
    const tooLong = await expectError(
      await callApp(app, '/echo', { method: 'POST', headers: json, body: '{"name":"abcdefghijklmnop"}' }),
      400,
      'invalid_request',
    );
    expect(JSON.stringify(tooLong)).not.toContain('abcdefghijklmnop');
    const ok = await callApp(app, '/echo', { method: 'POST', headers: json, body: '{"name":"ok"}' });
    expect(await ok.json()).toEqual({ name: 'ok' });
  });
});
