import { zValidator } from '@hono/zod-validator';
import type { ValidationTargets } from 'hono';
import type { ZodMiniType } from 'zod/mini';
import { AppError } from '../errors';

/**
 * zod validation that fails with the standard 400 `invalid_request` envelope,
 * naming the offending fields (never echoing their values).
 */
export function validate<Target extends keyof ValidationTargets, Schema extends ZodMiniType>(
  target: Target,
  schema: Schema,
) {
  return zValidator(target, schema, (result) => {
    if (!result.success) {
      const issues = result.error.issues.slice(0, 10).map((i) => ({ path: i.path.join('.'), message: i.message }));
      throw new AppError('invalid_request', { message: `Invalid ${target}.`, extra: { issues } });
    }
  });
}
