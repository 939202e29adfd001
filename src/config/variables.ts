import { clerkInstanceOf } from '../clerk/key-rules';
import {
  isRetentionDays,
  MAX_RETENTION_DAYS,
  RETENTION_DEFAULTS,
  RETENTION_HINT,
  type RetentionName,
} from '../lib/retention';
import {
  httpUrl,
  invalid,
  isHttpUrl,
  isOrigin,
  isSvixSecret,
  list,
  matching,
  oneOf,
  type Parser,
  text,
  wholeNumber,
} from './parsers';

/**
 * EVERY CONFIGURATION VARIABLE, DECLARED ONCE. To add one: add an entry below (kind, required, default,
 * meaning, parser), run `npm run config:docs`, and commit the regenerated docs/configuration.md and
 * .dev.vars.example. Code reads it parsed, from `c.var.config` (src/env.ts), never from `c.env`; a route
 * that cannot work without it mounts `requireConfig('NAME')` (503 `misconfigured`, the name never its value).
 * Put a value in wrangler.toml only where it differs from the default below (`npm run check` says so).
 *
 * - kind: `var` (wrangler.toml `[vars]`, visible in the dashboard) or `secret` (`wrangler secret put`,
 *   `.dev.vars` locally).
 * - required: `yes` (readiness fails without it), `no`, or the condition under which it is needed.
 * - default: the text used when the variable is unset or empty, parsed like a set value (`''` for a list:
 *   none); `defaultText` says in words what an unset variable means when that is not a fixed text.
 * - local: the value `.dev.vars.example` sets for `npm run dev`; `example` a commented-out sample.
 */

/** Where this Worker runs (`ENVIRONMENT`): the top level of wrangler.toml is local development. */
export const ENVIRONMENTS = ['development', 'staging', 'production'] as const;
export type DeploymentEnvironment = (typeof ENVIRONMENTS)[number];

export type Variable<T> = {
  kind: 'var' | 'secret';
  required: 'yes' | 'no' | { when: string };
  default?: string;
  defaultText?: string;
  meaning: string;
  /** Stated in every wrangler.toml block, default or not (`npm run build` requires it). */
  everyBlock?: true;
  parse: Parser<T>;
  /** Also accepts a non-string value (a TOML array), read as its JSON text. */
  json?: true;
  local?: string;
  example?: string;
};

/** The declaration of one variable; `default` makes its parsed value always present. */
function variable<T>(spec: Variable<T> & { default: string }): Variable<T> & { default: string };
function variable<T>(spec: Variable<T>): Variable<T | undefined>;
function variable<T>(spec: Variable<T>): Variable<T> {
  return spec;
}

/** A RETAIN_* setting (docs/data-lifecycle.md): whole days; an invalid one stops every deletion until fixed. */
function retention<N extends RetentionName>(name: N, meaning: string) {
  const days: Parser<number> = (v) => (isRetentionDays(v) ? Number(v) : invalid(RETENTION_HINT));
  const spec = variable({
    kind: 'var',
    required: 'no',
    default: String(RETENTION_DEFAULTS[name]),
    meaning: `${meaning} (1–${MAX_RETENTION_DAYS}; an invalid one stops every deletion)`,
    parse: days,
  });
  return { [name]: spec } as { [K in N]: typeof spec };
}

export const VARIABLES = {
  ENVIRONMENT: variable({
    kind: 'var',
    required: 'no',
    default: 'development',
    everyBlock: true,
    meaning:
      'where this Worker runs: `development` (local), `staging` or `production`; decides the Clerk key ' +
      'warnings, and only an explicit `development` allows the test clock',
    parse: oneOf(ENVIRONMENTS, 'must be development, staging or production'),
  }),
  CLERK_SECRET_KEY: variable({
    kind: 'secret',
    required: 'yes',
    meaning: 'Backend API key: fetches `GET {CLERK_API_URL}/v1/jwks` with `Authorization: Bearer <key>`',
    parse: matching((v) => /^sk_(test|live)_\S+$/.test(v), 'must start with sk_test_ or sk_live_'),
    local: 'sk_test_local_development_placeholder',
  }),
  CLERK_PUBLISHABLE_KEY: variable({
    kind: 'var',
    required: 'yes',
    meaning: 'identifies the Clerk instance (`pk_test_…`/`pk_live_…`): its Frontend API host and mode',
    parse: matching((v) => clerkInstanceOf(v) !== null, 'must be a pk_test_/pk_live_ key'),
    example: 'pk_test_ZnVsY3J1bS5jbGVyay5hY2NvdW50cy5kZXYk',
  }),
  CLERK_WEBHOOK_SIGNING_SECRET: variable({
    kind: 'secret',
    required: { when: 'for webhooks' },
    meaning: "`whsec_…` from Clerk's dashboard: verifies `POST /api/webhooks/clerk` (`npm run webhook` signs with it)",
    parse: matching(isSvixSecret, 'must be whsec_ followed by base64'),
    local: 'whsec_ZnVsY3J1bS1sb2NhbC1kZXZlbG9wbWVudC13ZWJob29r',
  }),
  CLERK_API_URL: variable({
    kind: 'var',
    required: 'no',
    default: 'https://api.clerk.com',
    meaning: 'Clerk Backend API base URL',
    parse: httpUrl,
  }),
  CLERK_JWT_KEY: variable({
    kind: 'secret',
    required: 'no',
    meaning: 'PEM public key: networkless session verification, no JWKS fetch (`npm run dev` fills in a dev key)',
    parse: matching(
      (v) => v.includes('-----BEGIN PUBLIC KEY-----') || /^[A-Za-z0-9+/=\s]+$/.test(v),
      'must be a PEM public key',
    ),
    local: '',
  }),
  CLERK_MACHINE_SECRET_KEY: variable({
    kind: 'secret',
    required: 'no',
    defaultText: '`CLERK_SECRET_KEY`',
    meaning: "a machine's `ak_…` secret: verifies machine tokens (`POST /m2m_tokens/verify`) instead of the secret key",
    parse: matching((v) => /^\S+$/.test(v), 'must not contain whitespace'),
    local: '',
  }),
  CLERK_AUTHORIZED_PARTIES: variable({
    kind: 'var',
    required: { when: 'no (recommended)' },
    default: '',
    meaning:
      'comma-separated origins allowed in `azp`, and as the `Origin` of cookie requests with unsafe methods (CSRF)',
    parse: list(),
    example: 'http://localhost:3000',
  }),
  CLERK_SIGN_IN_URL: variable({
    kind: 'var',
    required: 'no',
    default: '/sign-in',
    meaning: 'returned to clients in 401 bodies (`signInUrl`)',
    parse: text,
  }),
  CLERK_SIGN_UP_URL: variable({
    kind: 'var',
    required: 'no',
    default: '/sign-up',
    meaning: 'returned to clients in 401 bodies (`signUpUrl`)',
    parse: text,
  }),
  CLERK_OAUTH_AUDIENCE: variable({
    kind: 'var',
    required: 'no',
    default: '',
    meaning: 'when set (comma-separated), OAuth access tokens must carry one of them in `aud`',
    parse: list(),
    example: 'https://api.fulcrum.test',
  }),
  ADMIN_USER_IDS: variable({
    kind: 'var',
    required: 'no',
    default: '',
    meaning: 'comma-separated Clerk user ids allowed on `/v1/admin/*`',
    parse: list(),
    example: 'user_123',
  }),
  CORS_ALLOWED_ORIGINS: variable({
    kind: 'var',
    required: 'no',
    defaultText: '`CLERK_AUTHORIZED_PARTIES`',
    default: '',
    meaning: 'comma-separated exact origins (`https://host[:port]`) a browser may call from (the dashboard)',
    parse: list(isOrigin, 'must be comma-separated origins (https://host[:port])'),
    example: 'http://localhost:3000',
  }),
  GATEWAY_ROUTES: variable({
    kind: 'var',
    required: 'no',
    default: '[]',
    meaning:
      'JSON array of gateway route policies (a JSON string in `.dev.vars`), checked by the gateway ' +
      '(src/gateway/route-table.ts; readiness names each unusable entry)',
    parse: text,
    json: true,
    local: `'[{"prefix":"/api/","auth":"required"}]'`,
  }),
  ORIGIN_URL: variable({
    kind: 'var',
    required: { when: 'for the gateway' },
    meaning: "base URL of Fulcrum's API origin (ignored when the `ORIGIN` service binding exists)",
    parse: httpUrl,
    local: 'http://127.0.0.1:8789',
  }),
  EDGE_SIGNING_KEY: variable({
    kind: 'secret',
    required: { when: 'for the gateway' },
    meaning:
      'private JWK (JSON, with `kid`), Ed25519 (`OKP`) or P-256 (`EC`), that signs identity assertions; the ' +
      'algorithm follows the key (checked by src/gateway/signing-keys.ts; `npm run dev` fills in a dev key)',
    parse: text,
    local: '',
  }),
  EDGE_SIGNING_KEY_PREVIOUS: variable({
    kind: 'secret',
    required: 'no',
    meaning: 'the signing key being rotated out: its public half stays published',
    parse: text,
    local: '',
  }),
  EDGE_ISSUER: variable({
    kind: 'var',
    required: { when: 'for the gateway in staging and production' },
    defaultText: "the request's origin (local development only)",
    meaning: '`iss` of identity assertions',
    parse: matching(isHttpUrl, 'must be an http(s) URL'),
    example: 'http://127.0.0.1:8787',
  }),
  EDGE_AUDIENCE: variable({
    kind: 'var',
    required: { when: 'with the `ORIGIN` binding' },
    defaultText: "`ORIGIN_URL`'s origin",
    meaning: '`aud` of identity assertions',
    parse: text,
    example: 'http://127.0.0.1:8789',
  }),
  ORIGIN_TIMEOUT_MS: variable({
    kind: 'var',
    required: 'no',
    default: '30000',
    meaning: 'no response headers from the origin within it (1–9999999 ms) ⇒ 504 `gateway_timeout`',
    parse: wholeNumber(9_999_999, 'must be a whole number of milliseconds (1–9999999)'),
  }),
  ORIGIN_HEALTH_PATH: variable({
    kind: 'var',
    required: 'no',
    meaning:
      'path on the origin that readiness GETs (at most every 30 s per isolate; a non-2xx makes `checks.gateway` ' +
      '`degraded`); no probe when unset',
    parse: matching((v) => /^\/[^\s?#]*$/.test(v) && !v.startsWith('//'), 'must be an absolute path like /healthz'),
    example: '/healthz',
  }),
  ...retention('RETAIN_WEBHOOK_PAYLOAD_DAYS', "days after receipt a processed or ignored event's payload is dropped"),
  ...retention('RETAIN_WEBHOOK_RECORD_DAYS', 'days a webhook record is kept; a failed one is archived to R2 first'),
  ...retention('RETAIN_AUDIT_HOT_DAYS', 'days login audits stay in D1 before moving to the ARCHIVE bucket'),
  ...retention(
    'RETAIN_AUDIT_ARCHIVE_DAYS',
    'days after the login an archived audit is deleted (≥ RETAIN_AUDIT_HOT_DAYS)',
  ),
  ...retention('RETAIN_DELETED_TENANT_DAYS', "days after a tenant's erasure its archive is deleted"),
  REVOCATION_REFRESH_MS: variable({
    kind: 'var',
    required: 'no',
    default: '2000',
    meaning: 'a revoked session is refused by every isolate within this many ms (200–60000; docs/revocation.md)',
    parse: wholeNumber(60_000, 'must be a whole number of milliseconds (200–60000)', 200),
  }),
  CLOUDFLARE_ACCOUNT_ID: variable({
    kind: 'var',
    required: { when: 'for metrics from Analytics Engine (with ANALYTICS_API_TOKEN)' },
    defaultText: 'unset: `GET /v1/admin/metrics` answers from the isolate\'s own buffer (`source: "isolate"`)',
    meaning: 'the Cloudflare account (32 hex digits) whose Analytics Engine holds the `METRICS` dataset',
    parse: matching((v) => /^[0-9a-f]{32}$/i.test(v), 'must be a 32-character hex account id'),
    example: '0123456789abcdef0123456789abcdef',
  }),
  ANALYTICS_API_TOKEN: variable({
    kind: 'secret',
    required: { when: 'for metrics from Analytics Engine (with CLOUDFLARE_ACCOUNT_ID)' },
    meaning:
      'a Cloudflare API token with "Account Analytics: Read": `GET /v1/admin/metrics` queries Analytics ' +
      "Engine's SQL API with it",
    parse: matching((v) => /^\S+$/.test(v), 'must not contain whitespace'),
    example: '',
  }),
  USAGE_ALERT_MAU: variable({
    kind: 'var',
    required: 'no',
    default: '10000',
    meaning:
      'monthly active users past which `GET /v1/admin/usage` recommends an upgrade (`freeTierLimit`, ' +
      "`upgradeRecommended`; the runbook's trigger) and the console draws its alert line",
    parse: wholeNumber(9_999_999_999, 'must be a whole number of users (≥ 1)'),
  }),
  TEST_CLOCK_TOKEN: variable({
    kind: 'secret',
    required: { when: 'no (the drill sets it)' },
    meaning:
      'development only (≥ 16 characters, and `ENVIRONMENT` set to exactly `development`): enables ' +
      '`POST /__test/clock` `{"advanceMs"}` with header `x-test-clock-token`, which moves the service\'s clock ' +
      'forward; a 404 in staging/production or without it',
    parse: text,
    example: '',
  }),
} as const;

export type VariableName = keyof typeof VARIABLES;
export const VARIABLE_NAMES = Object.keys(VARIABLES) as VariableName[];
/** The parsed value of each variable. */
export type Values = { [K in VariableName]: (typeof VARIABLES)[K] extends Variable<infer T> ? T : never };
