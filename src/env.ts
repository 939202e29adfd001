import { isProductionFromSecretKey, parsePublishableKey } from '@clerk/shared/keys';
import * as z from 'zod/mini';
import type { Database } from './db/database';
import { log } from './lib/log';
import {
  isRetentionDays,
  RETENTION_DEFAULTS,
  RETENTION_HINT,
  type RetentionName,
  retentionConflicts,
} from './lib/retention';

/**
 * Secrets are not in wrangler.toml, so `wrangler types` learns them from
 * `.dev.vars.example`; declared here as optional because production may lack them
 * and the service must then answer 503 `misconfigured`, not crash.
 */
export type Bindings = Omit<
  Env,
  | 'CLERK_SECRET_KEY'
  | 'CLERK_WEBHOOK_SIGNING_SECRET'
  | 'CLERK_JWT_KEY'
  | 'CLERK_MACHINE_SECRET_KEY'
  | 'EDGE_SIGNING_KEY'
  | 'EDGE_SIGNING_KEY_PREVIOUS'
  | 'GATEWAY_ROUTES'
> & {
  CLERK_SECRET_KEY?: string;
  CLERK_MACHINE_SECRET_KEY?: string;
  CLERK_WEBHOOK_SIGNING_SECRET?: string;
  CLERK_JWT_KEY?: string;
  EDGE_SIGNING_KEY?: string;
  EDGE_SIGNING_KEY_PREVIOUS?: string;
  /** A JSON array in wrangler.toml, or a string holding one (`.dev.vars`). */
  GATEWAY_ROUTES?: unknown;
  /** Fulcrum's API origin as a service binding (wins over ORIGIN_URL). */
  ORIGIN?: Fetcher;
  /** Development only (the drill): enables `POST /__test/clock` for whoever presents it (src/http/test-clock-routes.ts). */
  TEST_CLOCK_TOKEN?: string;
};

/** Per-request values set by middleware. Feature modules extend this interface. */
export interface Variables {
  requestId: string;
  config: Config;
  /** The primary: writes (webhooks, replays, cron) and reads that must not lag. */
  db: Database;
  /**
   * The request's D1 session (read replicas, bookmark-consistent), opened on first call.
   * Read-only routes query it; a write in it goes to the primary and advances its bookmark.
   * `'first-primary'` (honoured only by the call that opens it) starts it on the primary, for a
   * read after a write made on `db`, so the bookmark handed back covers that write.
   */
  sessionDb: (start?: 'first-primary') => Database;
}

export type AppEnv = { Bindings: Bindings; Variables: Variables };

const optional = z.pipe(
  z.optional(z.string()),
  z.transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim())),
);

const list = z.pipe(
  optional,
  z.transform((v) =>
    v === undefined
      ? []
      : v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
  ),
);

function optionalMatching(test: (v: string) => boolean, message: string) {
  return optional.check(z.refine((v) => v === undefined || test(v), message));
}

/** Where this Worker runs (`ENVIRONMENT`): the top level of wrangler.toml is local development. */
export const ENVIRONMENTS = ['development', 'staging', 'production'] as const;
export type DeploymentEnvironment = (typeof ENVIRONMENTS)[number];

/**
 * A Clerk instance as its publishable key names it: the Frontend API host, and test (Development) or live
 * (Production).
 */
export type ClerkInstance = { frontendApi: string; mode: KeyMode };
export type KeyMode = 'test' | 'live';

const HOST = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/i;

/**
 * The instance of a publishable key, by Clerk's own parser (`pk_(test|live)_` + base64("<frontend api>$")),
 * or null when it is not one. The host must be a plain DNS name: it is reported by readiness.
 */
export function clerkInstanceOf(publishableKey: string): ClerkInstance | null {
  const parsed = parsePublishableKey(publishableKey);
  if (!parsed || !HOST.test(parsed.frontendApi)) return null;
  return {
    frontendApi: parsed.frontendApi.toLowerCase(),
    mode: parsed.instanceType === 'production' ? 'live' : 'test',
  };
}

/** `sk_live_` keys belong to a Production instance, `sk_test_` to a Development one (Clerk's rule). */
export function secretKeyMode(secretKey: string): KeyMode {
  return isProductionFromSecretKey(secretKey) ? 'live' : 'test';
}

/** `whsec_` + padded base64, as svix's `Webhook` constructor decodes it (it throws otherwise). */
function isSvixSecret(v: string): boolean {
  const b64 = v.startsWith('whsec_') ? v.slice(6) : '';
  if (b64.length === 0 || b64.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return false;
  try {
    return atob(b64).length > 0;
  } catch {
    return false;
  }
}

function isHttpUrl(v: string): boolean {
  return URL.canParse(v) && /^https?:$/.test(new URL(v).protocol);
}

/** A serialized origin exactly as a browser sends it in `Origin` (no path, no trailing slash). */
function isOrigin(v: string): boolean {
  return isHttpUrl(v) && new URL(v).origin === v;
}

/** A RETAIN_* setting: whole days (src/lifecycle/retention.ts); unset ⇒ its default. */
function retentionDays(name: RetentionName) {
  return z.pipe(
    optionalMatching(isRetentionDays, RETENTION_HINT),
    z.transform((v) => (v === undefined ? RETENTION_DEFAULTS[name] : Number(v))),
  );
}

// zod/mini, not zod: the classic build adds ~90 KiB gzip to the Worker bundle.
const configSchema = z.object({
  ENVIRONMENT: z.pipe(
    optionalMatching(
      (v) => (ENVIRONMENTS as readonly string[]).includes(v),
      'must be development, staging or production',
    ),
    z.transform((v) => (v ?? 'development') as DeploymentEnvironment),
  ),
  CLERK_SECRET_KEY: optionalMatching((v) => /^sk_(test|live)_\S+$/.test(v), 'must start with sk_test_ or sk_live_'),
  CLERK_PUBLISHABLE_KEY: optionalMatching((v) => clerkInstanceOf(v) !== null, 'must be a pk_test_/pk_live_ key'),
  CLERK_WEBHOOK_SIGNING_SECRET: optionalMatching(isSvixSecret, 'must be whsec_ followed by base64'),
  CLERK_API_URL: z.pipe(
    optionalMatching(isHttpUrl, 'must be an http(s) URL'),
    z.transform((v) => (v ?? 'https://api.clerk.com').replace(/\/+$/, '')),
  ),
  CLERK_JWT_KEY: optionalMatching(
    (v) => v.includes('-----BEGIN PUBLIC KEY-----') || /^[A-Za-z0-9+/=\s]+$/.test(v),
    'must be a PEM public key',
  ),
  CLERK_AUTHORIZED_PARTIES: list,
  CLERK_SIGN_IN_URL: z.pipe(
    optional,
    z.transform((v) => v ?? '/sign-in'),
  ),
  CLERK_SIGN_UP_URL: z.pipe(
    optional,
    z.transform((v) => v ?? '/sign-up'),
  ),
  ADMIN_USER_IDS: list,
  /** Used instead of CLERK_SECRET_KEY for `POST /m2m_tokens/verify` when set (a machine's `ak_…` secret). */
  CLERK_MACHINE_SECRET_KEY: optionalMatching((v) => /^\S+$/.test(v), 'must not contain whitespace'),
  /** OAuth access tokens must carry one of these in `aud` when set (comma-separated). */
  CLERK_OAUTH_AUDIENCE: list,
  // Exact origins (`scheme://host[:port]`, as browsers send `Origin`); empty ⇒ CLERK_AUTHORIZED_PARTIES.
  CORS_ALLOWED_ORIGINS: list.check(
    z.refine((v) => v.every(isOrigin), 'must be comma-separated origins (https://host[:port])'),
  ),
  // Gateway (src/gateway/): GATEWAY_ROUTES and the signing keys are parsed there (JSON, async key import).
  ORIGIN_URL: z.pipe(
    optionalMatching(isHttpUrl, 'must be an http(s) URL'),
    z.transform((v) => v?.replace(/\/+$/, '')),
  ),
  EDGE_ISSUER: optionalMatching(isHttpUrl, 'must be an http(s) URL'),
  EDGE_AUDIENCE: optional,
  ORIGIN_TIMEOUT_MS: z.pipe(
    optionalMatching((v) => /^[1-9][0-9]{0,6}$/.test(v), 'must be a whole number of milliseconds (1–9999999)'),
    z.transform((v) => (v === undefined ? 30_000 : Number(v))),
  ),
  // Data lifecycle (src/lifecycle/): an invalid one stops every deletion until fixed.
  RETAIN_WEBHOOK_PAYLOAD_DAYS: retentionDays('RETAIN_WEBHOOK_PAYLOAD_DAYS'),
  RETAIN_WEBHOOK_RECORD_DAYS: retentionDays('RETAIN_WEBHOOK_RECORD_DAYS'),
  RETAIN_AUDIT_HOT_DAYS: retentionDays('RETAIN_AUDIT_HOT_DAYS'),
  RETAIN_AUDIT_ARCHIVE_DAYS: retentionDays('RETAIN_AUDIT_ARCHIVE_DAYS'),
  RETAIN_DELETED_TENANT_DAYS: retentionDays('RETAIN_DELETED_TENANT_DAYS'),
  // Instant revocation (src/revocation/): a revoked session is refused everywhere within this interval.
  REVOCATION_REFRESH_MS: z.pipe(
    optionalMatching(
      (v) => /^[1-9][0-9]{2,4}$/.test(v) && Number(v) >= 200 && Number(v) <= 60_000,
      'must be a whole number of milliseconds (200–60000)',
    ),
    z.transform((v) => (v === undefined ? 2_000 : Number(v))),
  ),
});

type Parsed = z.output<typeof configSchema>;

export type ConfigName = keyof Parsed;

/**
 * Parsed configuration. Values are present only when valid; `problems` names every
 * variable that is missing, malformed or mismatched with another (never its value);
 * `warnings` are allowed but dangerous combinations (a live Clerk key in local development).
 */
export type Config = Parsed & {
  clerkInstance: ClerkInstance | undefined;
  problems: ConfigProblem[];
  warnings: ConfigWarning[];
};
export type ConfigProblem = { name: ConfigName; issue: 'missing' | 'malformed' | 'mismatched'; hint?: string };
export type ConfigWarning = {
  code: 'live_key_in_development' | 'test_key_in_production';
  names: ConfigName[];
  message: string;
};

const REQUIRED: ConfigName[] = ['CLERK_SECRET_KEY', 'CLERK_PUBLISHABLE_KEY'];
const cache = new WeakMap<object, Config>();

/** Parses configuration once per isolate (per `env` object) and never throws. */
export function getConfig(env: Bindings): Config {
  const hit = cache.get(env);
  if (hit) return hit;
  const config = parseConfig(env as unknown as Record<string, unknown>);
  cache.set(env, config);
  // Once per isolate (per env object), loudly: readiness repeats it (`checks.clerk.warnings`).
  for (const w of config.warnings)
    log('warn', `config.${w.code}`, { environment: config.ENVIRONMENT, names: w.names, message: w.message });
  return config;
}

export function parseConfig(raw: Record<string, unknown>): Config {
  const input: Record<string, unknown> = {};
  const problems: ConfigProblem[] = [];
  for (const name of Object.keys(configSchema.shape) as ConfigName[]) {
    const value = raw[name];
    input[name] = typeof value === 'string' ? value : undefined;
    if (value !== undefined && typeof value !== 'string')
      problems.push({ name, issue: 'malformed', hint: 'must be a string' });
  }
  // Parse field by field so one malformed value does not hide the others.
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(configSchema.shape) as [ConfigName, z.ZodMiniType][]) {
    const r = field.safeParse(input[name]);
    if (r.success) out[name] = r.data;
    else {
      out[name] = field.safeParse(undefined).data;
      if (!problems.some((p) => p.name === name))
        problems.push({ name, issue: 'malformed', hint: r.error.issues[0]?.message });
    }
  }
  for (const name of REQUIRED) {
    if (out[name] === undefined && !problems.some((p) => p.name === name)) problems.push({ name, issue: 'missing' });
  }
  const parsed = out as Parsed;
  const clerkInstance =
    parsed.CLERK_PUBLISHABLE_KEY === undefined
      ? undefined
      : (clerkInstanceOf(parsed.CLERK_PUBLISHABLE_KEY) ?? undefined);
  problems.push(...keyPairProblems(parsed, clerkInstance));
  for (const conflict of retentionConflicts(parsed))
    for (const name of conflict.names)
      if (!problems.some((p) => p.name === name)) problems.push({ name, issue: 'mismatched', hint: conflict.hint });
  return { ...parsed, clerkInstance, problems, warnings: keyWarnings(parsed, clerkInstance) };
}

const MODE_WORD = { test: 'test (Development instance)', live: 'live (Production instance)' } as const;

/**
 * `pk_test_` beside `sk_live_` (or the reverse): keys of two Clerk instances, so every sign-in
 * breaks at once. Both variables are named; which one to replace follows ENVIRONMENT.
 */
function keyPairProblems(config: Parsed, instance: ClerkInstance | undefined): ConfigProblem[] {
  if (!instance || config.CLERK_SECRET_KEY === undefined) return [];
  const skMode = secretKeyMode(config.CLERK_SECRET_KEY);
  if (skMode === instance.mode) return [];
  const expected: KeyMode | undefined =
    config.ENVIRONMENT === 'production' ? 'live' : config.ENVIRONMENT === 'development' ? 'test' : undefined;
  const replace =
    expected === undefined
      ? 'replace one of them so both come from the same instance'
      : `replace the ${instance.mode === expected ? 'CLERK_SECRET_KEY' : 'CLERK_PUBLISHABLE_KEY'} with the ` +
        `${expected} key of the instance this ${config.ENVIRONMENT} environment uses`;
  const hint =
    `CLERK_PUBLISHABLE_KEY is ${MODE_WORD[instance.mode]} but CLERK_SECRET_KEY ` +
    `is ${MODE_WORD[skMode]}: ${replace}`;
  return [
    { name: 'CLERK_PUBLISHABLE_KEY', issue: 'mismatched', hint },
    { name: 'CLERK_SECRET_KEY', issue: 'mismatched', hint },
  ];
}

/** Allowed but dangerous: live keys in local development (real users' data), test keys in production. */
function keyWarnings(config: Parsed, instance: ClerkInstance | undefined): ConfigWarning[] {
  const modes: [ConfigName, KeyMode][] = [];
  if (instance) modes.push(['CLERK_PUBLISHABLE_KEY', instance.mode]);
  if (config.CLERK_SECRET_KEY !== undefined) modes.push(['CLERK_SECRET_KEY', secretKeyMode(config.CLERK_SECRET_KEY)]);
  const named = (mode: KeyMode) => modes.filter(([, m]) => m === mode).map(([name]) => name);
  const live = named('live');
  const test = named('test');
  if (config.ENVIRONMENT === 'development' && live.length > 0) {
    const message =
      `live Clerk key (Production instance) in local development: ${live.join(', ')}. This ` +
      `server then acts on real users; use the Development instance's pk_test_/sk_test_ keys locally.`;
    return [{ code: 'live_key_in_development', names: live, message }];
  }
  if (config.ENVIRONMENT === 'production' && test.length > 0) {
    const message =
      `test Clerk key (Development instance, not meant for production traffic) in production: ` +
      `${test.join(', ')}. Use the Production instance's pk_live_/sk_live_ keys.`;
    return [{ code: 'test_key_in_production', names: test, message }];
  }
  return [];
}

/** The problems that make a route needing `names` unusable. */
export function problemsFor(config: Config, names: readonly ConfigName[]): ConfigProblem[] {
  return config.problems
    .filter((p) => names.includes(p.name))
    .concat(
      names
        .filter((n) => config[n] === undefined && !config.problems.some((p) => p.name === n))
        .map((name) => ({ name, issue: 'missing' as const })),
    );
}
