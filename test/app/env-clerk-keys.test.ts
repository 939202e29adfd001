import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clerkInstanceOf } from '../../src/clerk/key-rules';
import { ENVIRONMENTS, parseConfig } from '../../src/env';

/** A publishable key as Clerk builds it: `pk_<mode>_` + unpadded base64("<frontend api>$"). */
const pk = (mode: 'test' | 'live', host: string) => `pk_${mode}_${btoa(`${host}$`).replace(/=+$/, '')}`;
const sk = (mode: 'test' | 'live') => `sk_${mode}_${'x'.repeat(40)}`;
const names = (c: ReturnType<typeof parseConfig>, issue: string) =>
  c.problems
    .filter((p) => p.issue === issue)
    .map((p) => p.name)
    .sort();

describe('the Clerk instance of CLERK_PUBLISHABLE_KEY', () => {
  it('is its Frontend API host and mode, by Clerk’s parser', () => {
    expect(clerkInstanceOf(pk('test', 'fulcrum.clerk.accounts.dev'))).toEqual({
      frontendApi: 'fulcrum.clerk.accounts.dev',
      mode: 'test',
    });
    expect(clerkInstanceOf(pk('live', 'clerk.Fulcrum.example'))).toEqual({
      frontendApi: 'clerk.fulcrum.example',
      mode: 'live',
    });
    expect(parseConfig({ CLERK_PUBLISHABLE_KEY: pk('live', 'clerk.fulcrum.example') }).clerkInstance).toEqual({
      frontendApi: 'clerk.fulcrum.example',
      mode: 'live',
    });
  });

  it('refuses keys that do not name a plain host (readiness reports it)', () => {
    const hostile = [
      pk('test', 'no-dot'),
      pk('test', 'a.b$c.d'),
      pk('test', 'evil.test/<script>'),
      pk('test', 'a b.test'),
      pk('test', `${'a'.repeat(300)}.test`),
      `pk_test_${btoa('fulcrum.test')}`, // no trailing $
      'pk_prod_ZnVsY3J1bS5jbGVyay5hY2NvdW50cy5kZXYk',
      'pk_test_%%%',
      'pk_test_',
      'sk_test_ZnVsY3J1bS5jbGVyay5hY2NvdW50cy5kZXYk',
    ];
    for (const key of hostile) {
      expect(clerkInstanceOf(key), key).toBeNull();
      const c = parseConfig({ CLERK_PUBLISHABLE_KEY: key, CLERK_SECRET_KEY: sk('test') });
      expect(c.problems, key).toContainEqual(
        expect.objectContaining({ name: 'CLERK_PUBLISHABLE_KEY', issue: 'malformed' }),
      );
      expect(c.clerkInstance).toBeUndefined();
    }
  });
});

describe('ENVIRONMENT', () => {
  it('defaults to development and accepts only the three names', () => {
    expect(parseConfig({}).ENVIRONMENT).toBe('development');
    for (const e of ENVIRONMENTS) expect(parseConfig({ ENVIRONMENT: ` ${e} ` }).ENVIRONMENT).toBe(e);
    const bad = parseConfig({ ENVIRONMENT: 'Production' });
    expect(bad.ENVIRONMENT).toBe('development');
    expect(bad.problems).toContainEqual({
      name: 'ENVIRONMENT',
      issue: 'malformed',
      hint: 'must be development, staging or production',
    });
  });
});

describe('a test key beside a live key', () => {
  it('pk_test_ with sk_live_ (and the reverse) is mismatched, naming both variables', () => {
    for (const [pkMode, skMode] of [
      ['test', 'live'],
      ['live', 'test'],
    ] as const) {
      const c = parseConfig({
        CLERK_PUBLISHABLE_KEY: pk(pkMode, 'fulcrum.clerk.accounts.dev'),
        CLERK_SECRET_KEY: sk(skMode),
      });
      expect(names(c, 'mismatched')).toEqual(['CLERK_PUBLISHABLE_KEY', 'CLERK_SECRET_KEY']);
      expect(JSON.stringify(c.problems)).not.toContain('x'.repeat(8));
      expect(JSON.stringify(c.problems)).not.toContain(pk(pkMode, 'fulcrum.clerk.accounts.dev'));
    }
  });

  it('says which key to replace when ENVIRONMENT settles it', () => {
    const hint = (ENVIRONMENT: string, pkMode: 'test' | 'live', skMode: 'test' | 'live') =>
      parseConfig({
        ENVIRONMENT,
        CLERK_PUBLISHABLE_KEY: pk(pkMode, 'clerk.fulcrum.example'),
        CLERK_SECRET_KEY: sk(skMode),
      }).problems.find((p) => p.issue === 'mismatched')?.hint;
    expect(hint('production', 'live', 'test')).toMatch(/replace the CLERK_SECRET_KEY with the live key/);
    expect(hint('production', 'test', 'live')).toMatch(/replace the CLERK_PUBLISHABLE_KEY with the live key/);
    expect(hint('development', 'live', 'test')).toMatch(/replace the CLERK_PUBLISHABLE_KEY with the test key/);
    expect(hint('staging', 'live', 'test')).toMatch(/replace one of them/);
    expect(hint('production', 'live', 'live')).toBeUndefined();
  });

  it('for any modes and environment: mismatched iff the modes differ; warnings follow the environment', () => {
    const mode = fc.constantFrom('test' as const, 'live' as const);
    fc.assert(
      fc.property(mode, mode, fc.constantFrom(...ENVIRONMENTS), fc.domain(), (pkMode, skMode, ENVIRONMENT, host) => {
        const key = pk(pkMode, host);
        const secret = sk(skMode);
        const c = parseConfig({ ENVIRONMENT, CLERK_PUBLISHABLE_KEY: key, CLERK_SECRET_KEY: secret });
        if (c.clerkInstance === undefined) return; // a generated domain Clerk's parser refuses (covered above)
        expect(names(c, 'mismatched')).toEqual(pkMode === skMode ? [] : ['CLERK_PUBLISHABLE_KEY', 'CLERK_SECRET_KEY']);
        const live = [pkMode === 'live' && 'CLERK_PUBLISHABLE_KEY', skMode === 'live' && 'CLERK_SECRET_KEY'].filter(
          Boolean,
        );
        const test = [pkMode === 'test' && 'CLERK_PUBLISHABLE_KEY', skMode === 'test' && 'CLERK_SECRET_KEY'].filter(
          Boolean,
        );
        const expected =
          ENVIRONMENT === 'development' && live.length > 0
            ? [{ code: 'live_key_in_development', names: live }]
            : ENVIRONMENT === 'production' && test.length > 0
              ? [{ code: 'test_key_in_production', names: test }]
              : [];
        expect(c.warnings.map(({ code, names }) => ({ code, names }))).toEqual(expected);
        const out = JSON.stringify([c.problems, c.warnings]);
        expect(out).not.toContain(secret);
        expect(out).not.toContain(key);
      }),
    );
  });
});

describe('wrangler.toml: every environment block parses', () => {
  const config = env.TEST_WRANGLER_CONFIG;
  const blocks = [['', config] as const, ...Object.entries(config.env ?? {})];
  const expected = {
    '': ['development', 'test'],
    staging: ['staging', 'test'],
    production: ['production', 'live'],
  } as const;

  it('declares the top level, staging and production', () => {
    expect(blocks.map(([name]) => name).sort()).toEqual(Object.keys(expected).sort());
  });

  it.each(blocks)(
    '%s: its vars and a secret key of its mode give a complete, consistent configuration',
    (name, block) => {
      const [environment, mode] = expected[name as keyof typeof expected];
      const vars = (block as { vars?: Record<string, unknown> }).vars ?? {};
      const c = parseConfig({ ...vars, CLERK_SECRET_KEY: sk(mode), CLERK_WEBHOOK_SIGNING_SECRET: 'whsec_dGVzdA==' });
      expect(c.problems).toEqual([]);
      expect(c.warnings).toEqual([]);
      expect(c.ENVIRONMENT).toBe(environment);
      expect(c.clerkInstance?.mode).toBe(mode);
      // Deployed environments must say which browser origins may present cookies (CSRF defence).
      if (environment !== 'development') expect(c.CLERK_AUTHORIZED_PARTIES.length).toBeGreaterThan(0);
    },
  );
});
