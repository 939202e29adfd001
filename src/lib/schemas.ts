import * as z from 'zod/mini';

/**
 * Request/response schemas shared by route modules. The same schemas validate requests
 * and generate the OpenAPI document (src/openapi), so the docs cannot drift from the code.
 */

/** `limit` query parameter: 1–100 (digits only: no `1e2`, `0x10`, spaces). */
export const limitParam = z.optional(
  z
    .pipe(
      z.string().check(z.regex(/^[1-9][0-9]{0,2}$/, 'must be an integer from 1 to 100')),
      z.pipe(
        z.transform((v: string) => Number(v)),
        z.number().check(z.lte(100, 'must be an integer from 1 to 100')),
      ),
    )
    .register(z.globalRegistry, { description: 'Page size, 1–100 (default 20).' }),
);

/** Opaque cursor from a previous page's `nextCursor`. */
export const cursorParam = z.optional(
  z
    .string()
    .check(z.minLength(1), z.maxLength(1024))
    .register(z.globalRegistry, { description: "Opaque: a previous page's `nextCursor`." }),
);

/** An ISO-8601 date-time with offset (e.g. `2026-11-26T10:00:00Z`), parsed to epoch ms. */
export const isoDateTimeParam = (description: string) =>
  z.optional(
    z.pipe(
      z.iso.datetime({ offset: true }).register(z.globalRegistry, { description }),
      z.transform((v: string) => Date.parse(v)),
    ),
  );

/** Epoch ms ⇒ ISO-8601 string (DESIGN.md: timestamps in responses are ISO strings). */
export function iso(ms: number): string;
export function iso(ms: number | null): string | null;
export function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

export const isoString = z.string().register(z.globalRegistry, { format: 'date-time' });
export const nullableIso = z.nullable(isoString);
