import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import {
  declaredNames,
  deployPlan,
  environmentGaps,
  environmentVarProblems,
  missingSecrets,
  placeholderIds,
  type RawConfig,
  sharedResources,
} from '../../scripts/lib/environments';
import { VARIABLE_NAMES } from '../../src/config/variables';

const FIELDS = ['d1_databases', 'kv_namespaces', 'ratelimits', 'services', 'vars'];
const REAL_ID = { database_id: '4f2c1d5e-8a6b-4c3d-9e1f-0a2b3c4d5e6f' };
const base = (): RawConfig => ({
  d1_databases: [{ binding: 'DB', database_id: '00000000-0000-0000-0000-000000000000' }],
  kv_namespaces: [{ binding: 'JWKS_CACHE', id: '0'.repeat(32) }],
  ratelimits: [{ name: 'AUTH_FAILURE_LIMITER', namespace_id: '1001' }],
  vars: { ENVIRONMENT: 'development', CLERK_PUBLISHABLE_KEY: 'pk' },
  env: {
    production: {
      d1_databases: [{ binding: 'DB', ...REAL_ID }],
      kv_namespaces: [{ binding: 'JWKS_CACHE', id: '0123456789abcdef0123456789abcdef' }],
      ratelimits: [{ name: 'AUTH_FAILURE_LIMITER', namespace_id: '2001' }],
      vars: { ENVIRONMENT: 'production', CLERK_PUBLISHABLE_KEY: 'pk' },
    },
  },
});

describe('wrangler.toml itself', () => {
  it('every named environment declares every binding and var of the top level (wrangler inherits none)', () => {
    expect(env.TEST_NON_INHERITED_FIELDS).toEqual(
      expect.arrayContaining(['vars', 'd1_databases', 'kv_namespaces', 'ratelimits', 'services']),
    );
    expect(environmentGaps(env.TEST_WRANGLER_CONFIG, env.TEST_NON_INHERITED_FIELDS, VARIABLE_NAMES)).toEqual([]);
    expect(environmentVarProblems(env.TEST_WRANGLER_CONFIG)).toEqual([]);
    expect(sharedResources(env.TEST_WRANGLER_CONFIG)).toEqual([]);
  });

  it('is not deployable as committed: the deployed environments still hold placeholder ids', () => {
    for (const name of ['staging', 'production']) {
      const planned = deployPlan(['--env', name], env.TEST_WRANGLER_CONFIG);
      expect(planned).toMatchObject({ ok: false, error: expect.stringContaining('placeholder ids') });
    }
  });
});

describe('environmentGaps', () => {
  it('a complete block has none', () => {
    expect(environmentGaps(base(), FIELDS)).toEqual([]);
  });

  it('names what a block lacks, per field; extras are reported separately', () => {
    const config = base();
    const prod = config.env!.production!;
    prod.ratelimits = [];
    prod.vars = { ENVIRONMENT: 'production', EXTRA: '1' };
    delete prod.kv_namespaces;
    prod.services = [{ binding: 'ORIGIN', service: 'fulcrum-api' }];
    expect(environmentGaps(config, FIELDS)).toEqual([
      { env: 'production', field: 'kv_namespaces', missing: ['JWKS_CACHE'], extra: [] },
      { env: 'production', field: 'ratelimits', missing: ['AUTH_FAILURE_LIMITER'], extra: [] },
      { env: 'production', field: 'services', missing: [], extra: ['ORIGIN'] },
      { env: 'production', field: 'vars', missing: ['CLERK_PUBLISHABLE_KEY'], extra: ['EXTRA'] },
    ]);
  });

  it('a declared variable set in one environment only is no gap: elsewhere it has the default', () => {
    const config = base();
    config.env!.production!.vars = { ENVIRONMENT: 'production', CLERK_PUBLISHABLE_KEY: 'pk', ADMIN_USER_IDS: 'u' };
    expect(environmentGaps(config, FIELDS, ['ADMIN_USER_IDS'])).toEqual([]);
    expect(environmentGaps(config, FIELDS)).toEqual([
      { env: 'production', field: 'vars', missing: [], extra: ['ADMIN_USER_IDS'] },
    ]);
  });

  it('survives hostile shapes without throwing', () => {
    for (const odd of [null, 42, 'x', [null, 1, { binding: 7 }], { bindings: [{ name: 'DO' }] }]) {
      expect(() => declaredNames(odd)).not.toThrow();
      const config = base();
      config.env!.production!.kv_namespaces = odd;
      expect(() => environmentGaps(config, FIELDS)).not.toThrow();
    }
    expect(declaredNames({ bindings: [{ name: 'DO' }] })).toEqual(['DO']);
    expect(environmentGaps({ vars: { A: '1' }, env: { x: null as unknown as RawConfig } }, FIELDS)).toEqual([
      { env: 'x', field: 'vars', missing: ['A'], extra: [] },
    ]);
  });
});

describe('sharedResources', () => {
  it('two deployed bindings on one rate-limit namespace, database or KV namespace are reported', () => {
    const config = base();
    config.env!.staging = structuredClone(config.env!.production!);
    expect(sharedResources(config)).toEqual([
      'env.production AUTH_FAILURE_LIMITER and env.staging AUTH_FAILURE_LIMITER share ratelimits namespace_id 2001',
      `env.production DB and env.staging DB share d1_databases database_id ${REAL_ID.database_id}`,
      'env.production JWKS_CACHE and env.staging JWKS_CACHE share kv_namespaces id 0123456789abcdef0123456789abcdef',
    ]);
    config.env!.staging = {
      ...config.env!.staging,
      ratelimits: [
        { name: 'AUTH_FAILURE_LIMITER', namespace_id: 3001 },
        { name: 'GATEWAY_LIMITER', namespace_id: '3001' },
      ],
      d1_databases: [{ binding: 'DB', database_id: '00000000-0000-0000-0000-000000000000' }],
      kv_namespaces: [{ binding: 'JWKS_CACHE', id: '' }],
    };
    expect(sharedResources(config)).toEqual([
      'env.staging AUTH_FAILURE_LIMITER and env.staging GATEWAY_LIMITER share ratelimits namespace_id 3001',
    ]);
  });

  it('the local top level may reuse ids, and odd shapes do not throw', () => {
    expect(sharedResources({ ratelimits: [{ name: 'A', namespace_id: '2001' }], env: base().env! })).toEqual([]);
    expect(
      sharedResources({ env: { a: null as unknown as RawConfig, b: { ratelimits: 'x', d1_databases: [null, 3] } } }),
    ).toEqual([]);
  });
});

describe('environmentVarProblems', () => {
  it('ENVIRONMENT must say where each block runs', () => {
    const config = base();
    config.vars = { ENVIRONMENT: 'production' };
    config.env!.production!.vars = {};
    expect(environmentVarProblems(config)).toEqual([
      'top level (local development): vars.ENVIRONMENT must be "development"',
      'env.production: vars.ENVIRONMENT must be "production"',
    ]);
  });
});

describe('deployPlan (npm run deploy -- …)', () => {
  const ready = (): RawConfig => {
    const config = base();
    config.env!.staging = { ...config.env!.production, vars: { ENVIRONMENT: 'staging' } };
    return config;
  };

  it('remote migrations of that environment first, then deploy with the other options passed through', () => {
    for (const argv of [
      ['--env', 'production', '--message', 'v42'],
      ['-e', 'production', '--message', 'v42'],
      ['--env=production', '--message', 'v42'],
      ['--message', 'v42', '-e=production'],
    ]) {
      expect(deployPlan(argv, ready()), argv.join(' ')).toEqual({
        ok: true,
        plan: {
          env: 'production',
          dryRun: false,
          checkSecrets: true,
          commands: [
            ['d1', 'migrations', 'apply', 'DB', '--remote', '--env', 'production'],
            ['deploy', '--env', 'production', '--message', 'v42'],
          ],
        },
      });
    }
  });

  it('a first deploy with --secrets-file does not list the secrets first (the Worker may not exist yet)', () => {
    for (const argv of [
      ['--env', 'staging', '--secrets-file', '.secrets.staging'],
      ['--env', 'staging', '--secrets-file=.secrets.staging'],
    ]) {
      expect(deployPlan(argv, ready())).toMatchObject({
        ok: true,
        plan: { checkSecrets: false, commands: [expect.any(Array), ['deploy', '--env', 'staging', ...argv.slice(2)]] },
      });
    }
  });

  it('refuses the top level, an unknown or missing environment', () => {
    for (const argv of [
      [],
      ['--env'],
      ['--env='],
      ['--env', ''],
      ['--dry-run'],
      ['--env', 'prod'],
      ['--env', 'constructor'],
      ['--env', '__proto__'],
    ]) {
      const planned = deployPlan(argv, ready());
      expect(planned.ok, argv.join(' ')).toBe(false);
      if (!planned.ok) expect(planned.error).toMatch(/usage: npm run deploy -- --env <production\|staging>/);
    }
  });

  it('refuses placeholder ids, except for a dry run (nothing remote)', () => {
    const config = ready();
    config.env!.production!.d1_databases = [{ binding: 'DB', database_id: '00000000-0000-0000-0000-000000000000' }];
    expect(deployPlan(['--env', 'production'], config)).toEqual({
      ok: false,
      error: expect.stringContaining('placeholder ids (d1_databases DB database_id)'),
    });
    expect(deployPlan(['--env', 'production', '--dry-run'], config)).toEqual({
      ok: true,
      plan: {
        env: 'production',
        dryRun: true,
        checkSecrets: false,
        commands: [['deploy', '--env', 'production', '--dry-run']],
      },
    });
    expect(placeholderIds({ d1_databases: [{ binding: 'DB' }], kv_namespaces: [{ binding: 'KV', id: '' }] })).toEqual([
      'd1_databases DB database_id',
      'kv_namespaces KV id',
    ]);
  });
});

describe('missingSecrets (wrangler secret list --format json)', () => {
  it('names the required secrets not listed, whatever the input', () => {
    expect(missingSecrets([{ name: 'CLERK_SECRET_KEY', type: 'secret_text' }])).toEqual([
      'CLERK_WEBHOOK_SIGNING_SECRET',
    ]);
    expect(missingSecrets([{ name: 'CLERK_SECRET_KEY' }, { name: 'CLERK_WEBHOOK_SIGNING_SECRET' }])).toEqual([]);
    for (const odd of [null, {}, 'CLERK_SECRET_KEY', [null, 3, { name: 1 }]]) {
      expect(missingSecrets(odd)).toEqual(['CLERK_SECRET_KEY', 'CLERK_WEBHOOK_SIGNING_SECRET']);
    }
  });
});
