import * as z from 'zod/mini';
import { ERROR_STATUS, type ErrorCode } from '../../src/errors';
import type { RouteDoc } from '../../src/http/route-doc';

type JsonObject = Record<string, unknown>;

/** JSON Schema (2020-12, as OpenAPI 3.1 uses) of a zod schema; request side for inputs. */
function jsonSchema(schema: z.ZodMiniType, io: 'input' | 'output'): JsonObject {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonObject;
  return rest;
}

function parameters(where: 'query' | 'path' | 'header', shape: z.ZodMiniObject | undefined): JsonObject[] {
  if (!shape) return [];
  return Object.entries(shape.shape as Record<string, z.ZodMiniType>).map(([name, field]) => {
    const schema = jsonSchema(field, 'input');
    const { description, ...rest } = schema;
    return {
      name,
      in: where,
      required: where === 'path' || !field.safeParse(undefined).success,
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}

const json = (schema: JsonObject) => ({ 'application/json': { schema } });

const BOOKMARK_SCHEMA = { type: 'string', pattern: '^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$' };
const BOOKMARK_PARAMETER = {
  name: 'x-d1-bookmark',
  in: 'header',
  required: false,
  description:
    'A bookmark from an earlier response: this request reads data at least as new as it ' +
    '(read-your-writes). Malformed values are ignored.',
  schema: BOOKMARK_SCHEMA,
};
const BOOKMARK_RESPONSE_HEADER = {
  'x-d1-bookmark': {
    description:
      'The D1 session bookmark after this request (present when the request read the ' +
      'database); send it back to never read older data.',
    schema: BOOKMARK_SCHEMA,
  },
};

function operation(route: RouteDoc): JsonObject {
  const responses: JsonObject = {};
  for (const [status, r] of Object.entries(route.responses)) {
    responses[status] = {
      description: r.description,
      ...(route.readSession && Number(status) < 300 ? { headers: BOOKMARK_RESPONSE_HEADER } : {}),
      ...(r.schema
        ? { content: { [r.contentType ?? 'application/json']: { schema: jsonSchema(r.schema, 'output') } } }
        : {}),
      ...(!r.schema && r.contentType ? { content: { [r.contentType]: { schema: { type: 'string' } } } } : {}),
    };
  }
  // Several codes can share a status (403: forbidden, second_factor_required, tenant_archived).
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of route.errors)
    byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code]);
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    responses[String(status)] = {
      description: `Error: ${codes.map((c) => `\`${c}\``).join(', ')}.`,
      content: json({
        allOf: [
          { $ref: '#/components/schemas/Error' },
          { properties: { error: { properties: { code: { enum: codes } } } } },
        ],
      }),
    };
  }
  return {
    operationId: route.method + route.path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, ch?: string) => (ch ?? '').toUpperCase()),
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    tags: [route.tag],
    'x-auth': route.security,
    security: route.security === 'session' || route.security === 'admin' ? [{ session: [] }] : [],
    ...(route.security === 'admin'
      ? { 'x-requires': 'ADMIN_USER_IDS membership and a second factor verified within 10 minutes (fva)' }
      : {}),
    parameters: [
      ...parameters('path', route.params),
      ...parameters('query', route.query),
      ...parameters('header', route.headers),
      ...(route.readSession ? [BOOKMARK_PARAMETER] : []),
    ],
    ...(route.body
      ? {
          requestBody: {
            required: true,
            ...(route.body.description ? { description: route.body.description } : {}),
            content: {
              [route.body.contentType ?? 'application/json']: { schema: jsonSchema(route.body.schema, 'input') },
            },
          },
        }
      : {}),
    responses,
  };
}

export const OPENAPI_INFO = { title: 'Fulcrum auth edge', version: '0.1.0' };

/** Builds the OpenAPI 3.1 document from the route modules' docs. */
export function buildOpenApiDocument(routes: RouteDoc[], info: { title: string; version: string }): JsonObject {
  const paths: Record<string, JsonObject> = {};
  for (const route of routes) {
    paths[route.path] ??= {};
    (paths[route.path] as JsonObject)[route.method] = operation(route);
  }
  const codes = Object.keys(ERROR_STATUS) as ErrorCode[];
  return {
    openapi: '3.1.0',
    info: {
      ...info,
      description:
        "Fulcrum's authentication edge. Every error uses one envelope:\n\n| code | status |\n|---|---|\n" +
        codes.map((c) => `| \`${c}\` | ${ERROR_STATUS[c]} |`).join('\n'),
    },
    tags: [...new Set(routes.map((r) => r.tag))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        session: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'A Clerk session token (or the `__session` cookie).',
        },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message', 'requestId'],
              properties: {
                code: { type: 'string', enum: codes },
                message: { type: 'string' },
                requestId: { type: 'string' },
              },
              additionalProperties: true,
            },
          },
        },
      },
      'x-error-codes': Object.fromEntries(codes.map((c) => [c, ERROR_STATUS[c]])),
    },
  };
}
