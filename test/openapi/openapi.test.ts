import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { ERROR_STATUS } from '../../src/errors';
import { call, expectError } from '../helpers/http';

type Doc = {
  openapi: string;
  paths: Record<
    string,
    Record<
      string,
      {
        summary: string;
        parameters: { name: string; in: string; required: boolean; schema: Record<string, unknown> }[];
        responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
      }
    >
  >;
  components: { schemas: { Error: { properties: { error: { properties: { code: { enum: string[] } } } } } } };
};

const toOpenApiPath = (p: string) => p.replace(/:([A-Za-z]+)/g, '{$1}');
// Routes other modules add in parallel (auth, webhooks) are documented ahead of their code.

describe('GET /openapi.json', () => {
  it('is OpenAPI 3.1 and documents every route the router serves, and nothing else', async () => {
    const res = await call('/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Doc;
    expect(doc.openapi).toBe('3.1.0');
    const served = new Set(
      createApp()
        .routes.filter((r) => r.method !== 'ALL' && !r.path.endsWith('*') && !/^\/(docs|console)\//.test(r.path))
        .map((r) => `${r.method} ${toOpenApiPath(r.path)}`),
    );
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)),
    );
    for (const route of served) expect(documented, route).toContain(route);
    for (const route of documented) expect(served, route).toContain(route);
  });

  it('documents every error code with the envelope schema', async () => {
    const doc = (await (await call('/openapi.json')).json()) as Doc;
    expect(doc.components.schemas.Error.properties.error.properties.code.enum.sort()).toEqual(
      Object.keys(ERROR_STATUS).sort(),
    );
    const used = new Set<string>();
    for (const ops of Object.values(doc.paths))
      for (const op of Object.values(ops))
        for (const [status, r] of Object.entries(op.responses)) {
          const schema = r.content?.['application/json']?.schema as {
            allOf?: [{ $ref: string }, { properties: { error: { properties: { code: { enum: string[] } } } } }];
          };
          if (Number(status) >= 400 && schema?.allOf) {
            expect(schema.allOf[0].$ref).toBe('#/components/schemas/Error');
            for (const code of schema.allOf[1].properties.error.properties.code.enum) {
              expect(ERROR_STATUS[code as keyof typeof ERROR_STATUS]).toBe(Number(status));
              used.add(code);
            }
          }
        }
    // Every code but the router-level 405 and the gateway's timeout (answered on GATEWAY_ROUTES prefixes, which
    // are configuration, not documented routes) is some route's documented error (`bad_gateway` too: the admin
    // revocation routes answer it when Clerk's call fails).
    expect([...used].sort()).toEqual(
      Object.keys(ERROR_STATUS)
        .filter((c) => !['method_not_allowed', 'gateway_timeout'].includes(c))
        .sort(),
    );
  });

  it('derives parameters from the validating zod schemas', async () => {
    const doc = (await (await call('/openapi.json')).json()) as Doc;
    const params = doc.paths['/v1/audit/logins']?.get?.parameters ?? [];
    expect(params.map((p) => p.name).sort()).toEqual(['cursor', 'from', 'limit', 'status', 'to', 'x-d1-bookmark']);
    expect(params.find((p) => p.name === 'limit')).toMatchObject({
      in: 'query',
      required: false,
      schema: { type: 'string', pattern: '^[1-9][0-9]{0,2}$' },
    });
    expect(params.find((p) => p.name === 'from')?.schema).toMatchObject({ type: 'string', format: 'date-time' });
    expect(doc.paths['/v1/admin/tenants/{id}']?.get?.parameters).toEqual([
      expect.objectContaining({ name: 'id', in: 'path', required: true }),
      expect.objectContaining({ name: 'x-d1-bookmark', in: 'header', required: false }),
    ]);
  });
});

describe('GET /docs', () => {
  it('serves an HTML page whose assets come from the Worker itself, under a strict CSP', async () => {
    const res = await call('/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    const html = await res.text();
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string);
    expect(refs).toEqual(expect.arrayContaining(['/docs/docs.css', '/docs/docs.js']));
    for (const ref of refs) {
      expect(ref.startsWith('/') || ref.startsWith('data:'), ref).toBe(true);
      if (ref.startsWith('/')) expect((await call(ref)).status, ref).toBe(200);
    }
    expect(await (await call('/docs/docs.js')).text()).toContain("fetch('/openapi.json')");
  });

  it('unknown docs assets are 404 in the envelope', async () => {
    await expectError(await call('/docs/nope.js'), 404, 'not_found');
  });
});

describe('generated document', () => {
  it('public/openapi.json is what the route schemas produce now (run `npm run openapi`)', async () => {
    const { allRouteDocs } = await import('../../scripts/openapi/all-route-docs');
    const { buildOpenApiDocument, OPENAPI_INFO } = await import('../../scripts/openapi/openapi-document');
    const served = await (await call('/openapi.json')).json();
    expect(served).toEqual(JSON.parse(JSON.stringify(buildOpenApiDocument(allRouteDocs(), OPENAPI_INFO))));
  });
});

describe('OpenAPI documents the bookmark header', () => {
  type Op = {
    parameters?: { name: string; in: string }[];
    responses: Record<string, { headers?: Record<string, unknown> }>;
  };
  it('on read routes (request and 2xx response), not on writes', async () => {
    const doc = (await (await call('/openapi.json')).json()) as { paths: Record<string, Record<string, Op>> };
    for (const path of [
      '/v1/me',
      '/v1/tenant',
      '/v1/audit/logins',
      '/v1/orgs/current',
      '/v1/admin/tenants',
      '/v1/admin/usage',
    ]) {
      const op = doc.paths[path]?.get as Op;
      expect(
        op.parameters?.some((p) => p.name === 'x-d1-bookmark' && p.in === 'header'),
        path,
      ).toBe(true);
      expect(op.responses['200']?.headers?.['x-d1-bookmark'], path).toBeDefined();
      expect(op.responses['401']?.headers, path).toBeUndefined();
    }
    const replay = doc.paths['/v1/admin/webhooks/{svixId}/replay']?.post as Op;
    expect(replay.parameters?.some((p) => p.name === 'x-d1-bookmark')).toBe(false);
  });
});
