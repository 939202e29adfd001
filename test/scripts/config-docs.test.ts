import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import {
  limiterProblems,
  renderConfigurationPage,
  renderDevVarsExample,
  varsProblems,
} from '../../scripts/lib/config-docs';
import type { RawConfig } from '../../scripts/lib/environments';
import { VARIABLES } from '../../src/config/variables';
import { LIMITERS } from '../../src/rate-limit/limiters';

const committed = (): RawConfig => structuredClone(env.TEST_WRANGLER_CONFIG);

describe('wrangler.toml against the declaration', () => {
  it('agrees as committed: every limiter block carries LIMITERS, [vars] hold only non-defaults', () => {
    expect(limiterProblems(committed(), LIMITERS)).toEqual([]);
    expect(varsProblems(committed(), VARIABLES)).toEqual([]);
  });

  it('a staging period of 10 where LIMITERS says 60 fails (Retry-After would lie)', () => {
    const config = committed();
    const staging = config.env!.staging!.ratelimits as { name: string; simple: { period: number } }[];
    staging.find((b) => b.name === 'AUTH_FAILURE_LIMITER')!.simple.period = 10;
    expect(limiterProblems(config, LIMITERS)).toEqual([
      'env.staging: [[ratelimits]] AUTH_FAILURE_LIMITER says limit = 100, period = 10; ' +
        'LIMITERS says limit = 100, period = 60 (Retry-After follows LIMITERS)',
    ]);
  });

  it('a limit that differs by environment is declared in LIMITERS (limitIn), and checked per block', () => {
    const config = committed();
    const prod = config.env!.production!.ratelimits as { name: string; simple: { limit: number } }[];
    prod.find((b) => b.name === 'MACHINE_VERIFY_GLOBAL_LIMITER')!.simple.limit = 50;
    expect(limiterProblems(config, LIMITERS)).toEqual([
      'env.production: [[ratelimits]] MACHINE_VERIFY_GLOBAL_LIMITER says limit = 50, period = 10; ' +
        'LIMITERS says limit = 500, period = 10 (Retry-After follows LIMITERS)',
    ]);
    const page = renderConfigurationPage(VARIABLES, LIMITERS, committed());
    expect(page).toContain('| `MACHINE_VERIFY_GLOBAL_LIMITER` | 500 (50 in development, 50 in staging) | 10 s |');
  });

  it('a limiter missing from a block, or unknown to LIMITERS, fails', () => {
    const config = committed();
    const prod = config.env!.production!;
    prod.ratelimits = (prod.ratelimits as { name: string }[])
      .filter((b) => b.name !== 'GATEWAY_LIMITER')
      .concat([{ name: 'NEW_LIMITER' }]);
    expect(limiterProblems(config, LIMITERS)).toEqual([
      'env.production: [[ratelimits]] NEW_LIMITER is not in LIMITERS',
      'env.production: no [[ratelimits]] block for GATEWAY_LIMITER',
    ]);
  });

  it('refuses a repeated default, an empty "unset" value, an undeclared name and a secret in [vars]', () => {
    const config = committed();
    config.vars = {
      ...(config.vars as object),
      CLERK_SIGN_IN_URL: '/sign-in',
      EDGE_ISSUER: '',
      GATEWAY_ROUTES: [],
      CLERK_SIGN_IN_URLL: '/x',
      CLERK_SECRET_KEY: 'sk_test_x',
    };
    delete (config.env!.staging!.vars as Record<string, unknown>).ENVIRONMENT;
    expect(varsProblems(config, VARIABLES)).toEqual([
      'top level (local development): vars.CLERK_SIGN_IN_URL repeats the default ("/sign-in"): remove it',
      'top level (local development): vars.EDGE_ISSUER repeats the default (""): remove it',
      'top level (local development): vars.GATEWAY_ROUTES repeats the default ("[]"): remove it',
      'top level (local development): vars.CLERK_SIGN_IN_URLL is not declared in src/config/variables.ts',
      'top level (local development): vars.CLERK_SECRET_KEY is a secret (wrangler secret put)',
      'env.staging: vars.ENVIRONMENT must be stated in every block',
    ]);
  });
});

describe('the generated files', () => {
  it('list every variable once, with its default, and follow a changed default', () => {
    const page = renderConfigurationPage(VARIABLES, LIMITERS, committed());
    for (const name of Object.keys(VARIABLES)) {
      expect(page.match(new RegExp(`^\\| \`${name}\` \\| (var|secret) \\|`, 'gm')), name).toHaveLength(1);
    }
    expect(page).toContain('| `CLERK_SIGN_IN_URL` | var | no | `/sign-in` |');
    expect(page).toContain('| `MACHINE_VERIFY_LIMITER` | 20 | 10 s |');
    const changed = { ...VARIABLES, CLERK_SIGN_IN_URL: { ...VARIABLES.CLERK_SIGN_IN_URL, default: '/login' } };
    expect(renderConfigurationPage(changed, LIMITERS, committed())).toContain(
      '| `CLERK_SIGN_IN_URL` | var | no | `/login` |',
    );
    expect(renderDevVarsExample(changed)).toContain('# CLERK_SIGN_IN_URL=/login');
  });

  it('.dev.vars.example sets every secret wrangler types must know, and comments out the rest', () => {
    const example = renderDevVarsExample(VARIABLES);
    const set = example.match(/^[A-Z_]+(?==)/gm);
    expect(set).toEqual([
      'CLERK_SECRET_KEY',
      'CLERK_WEBHOOK_SIGNING_SECRET',
      'CLERK_JWT_KEY',
      'CLERK_MACHINE_SECRET_KEY',
      'GATEWAY_ROUTES',
      'ORIGIN_URL',
      'EDGE_SIGNING_KEY',
      'EDGE_SIGNING_KEY_PREVIOUS',
    ]);
    expect(example).toContain('# TEST_CLOCK_TOKEN=\n');
    for (const line of example.split('\n')) expect(line.length).toBeLessThanOrEqual(120);
  });
});
