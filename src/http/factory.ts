import { createFactory } from 'hono/factory';
import type { AppEnv } from '../env';

/** Every router and middleware is built from this factory so they share `AppEnv`. */
export const factory = createFactory<AppEnv>();
