import { env as bindings } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { ConfigCache } from '../../src/services/config-cache';

// pk_live_ of clerk.fulcrum.example and a live secret key: a loud warning in local development.
const LIVE = { CLERK_PUBLISHABLE_KEY: 'pk_live_Y2xlcmsuZnVsY3J1bS5leGFtcGxlJA', CLERK_SECRET_KEY: 'sk_live_x' };

describe('ConfigCache (services.configs)', () => {
  it('parses once per env object and logs its warnings once, naming variables, never values', () => {
    const lines: [string, string, unknown][] = [];
    const cache = new ConfigCache((level, event, fields) => lines.push([level, event, fields]));
    const env = { ...bindings, ENVIRONMENT: 'development', ...LIVE };
    const first = cache.get(env);
    expect(cache.get(env)).toBe(first);
    expect(first.warnings.map((w) => w.code)).toEqual(['live_key_in_development']);
    expect(lines).toHaveLength(1);
    expect(lines[0]?.slice(0, 2)).toEqual(['warn', 'config.live_key_in_development']);
    expect(JSON.stringify(lines)).not.toContain(LIVE.CLERK_SECRET_KEY);
    // Another env object (a rotated secret, another test's bindings) is parsed, and warned about, on its own.
    cache.get({ ...env });
    expect(lines).toHaveLength(2);
  });

  it('two caches (two isolates) share nothing', () => {
    const env = { ...bindings, ENVIRONMENT: 'development', ...LIVE };
    const a = new ConfigCache(() => {});
    const b = new ConfigCache(() => {});
    expect(a.get(env)).not.toBe(b.get(env));
    expect(a.get(env)).toEqual(b.get(env));
  });
});
