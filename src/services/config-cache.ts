import { type Bindings, type Config, parseConfig } from '../env';
import type { Logger } from '../lib/log';

/**
 * The isolate's parsed configuration (`services.configs`): parsed once per `env` object, and its warnings
 * (a live Clerk key in local development, a test key in production) logged once, loudly, when first parsed;
 * readiness repeats them (`checks.clerk.warnings`). Parsing itself (src/env.ts) is pure and never throws.
 */
export class ConfigCache {
  private readonly parsed = new WeakMap<object, Config>();
  constructor(private readonly log: Logger) {}

  get(env: Bindings): Config {
    const hit = this.parsed.get(env);
    if (hit) return hit;
    const config = parseConfig(env as unknown as Record<string, unknown>);
    this.parsed.set(env, config);
    for (const w of config.warnings)
      this.log('warn', `config.${w.code}`, { environment: config.ENVIRONMENT, names: w.names, message: w.message });
    return config;
  }
}
