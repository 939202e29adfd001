import * as z from 'zod/mini';
import type { Database } from './db/database';

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
  | 'EDGE_SIGNING_KEY'
  | 'EDGE_SIGNING_KEY_PREVIOUS'
  | 'GATEWAY_ROUTES'
> & {
  CLERK_SECRET_KEY?: string;
  CLERK_WEBHOOK_SIGNING_SECRET?: string;
  CLERK_JWT_KEY?: string;
  EDGE_SIGNING_KEY?: string;
  EDGE_SIGNING_KEY_PREVIOUS?: string;
  /** A JSON array in wrangler.toml, or a string holding one (`.dev.vars`). */
  GATEWAY_ROUTES?: unknown;
  /** Fulcrum's API origin as a service binding (wins over ORIGIN_URL). */
  ORIGIN?: Fetcher;
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

/** `pk_(test|live)_` + base64("<frontend api>$"), as Clerk's `parsePublishableKey` expects. */
function isPublishableKey(v: string): boolean {
  const m = /^pk_(test|live)_([A-Za-z0-9+/=_-]+)$/.exec(v);
  if (!m?.[2]) return false;
  try {
    return atob(m[2].replace(/-/g, '+').replace(/_/g, '/')).endsWith('$');
  } catch {
    return false;
  }
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

// zod/mini, not zod: the classic build adds ~90 KiB gzip to the Worker bundle.
const configSchema = z.object({
  CLERK_SECRET_KEY: optionalMatching((v) => /^sk_(test|live)_\S+$/.test(v), 'must start with sk_test_ or sk_live_'),
  CLERK_PUBLISHABLE_KEY: optionalMatching(isPublishableKey, 'must be a pk_test_/pk_live_ key'),
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
  // Exact origins (`scheme://host[:port]`, as browsers send `Origin`); empty ⇒ CLERK_AUTHORIZED_PARTIES.
  CORS_ALLOWED_ORIGINS: list.check(z.refine((v) => v.every(isOrigin), 'must be comma-separated origins (https://host[:port])')),
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
});

type Parsed = z.output<typeof configSchema>;

export type ConfigName = keyof Parsed;

/**
 * Parsed configuration. Values are present only when valid; `problems` names every
 * variable that is missing or malformed (never its value).
 */
export type Config = Parsed & { problems: ConfigProblem[] };
export type ConfigProblem = { name: ConfigName; issue: 'missing' | 'malformed'; hint?: string };

const REQUIRED: ConfigName[] = ['CLERK_SECRET_KEY', 'CLERK_PUBLISHABLE_KEY'];
const cache = new WeakMap<object, Config>();

/** Parses configuration once per isolate (per `env` object) and never throws. */
export function getConfig(env: Bindings): Config {
  const hit = cache.get(env);
  if (hit) return hit;
  const config = parseConfig(env as unknown as Record<string, unknown>);
  cache.set(env, config);
  return config;
}

export function parseConfig(raw: Record<string, unknown>): Config {
  const input: Record<string, unknown> = {};
  const problems: ConfigProblem[] = [];
  for (const name of Object.keys(configSchema.shape) as ConfigName[]) {
    const value = raw[name];
    input[name] = typeof value === 'string' ? value : undefined;
    if (value !== undefined && typeof value !== 'string') problems.push({ name, issue: 'malformed', hint: 'must be a string' });
  }
  // Parse field by field so one malformed value does not hide the others.
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(configSchema.shape) as [ConfigName, z.ZodMiniType][]) {
    const r = field.safeParse(input[name]);
    if (r.success) out[name] = r.data;
    else {
      out[name] = field.safeParse(undefined).data;
      if (!problems.some((p) => p.name === name)) problems.push({ name, issue: 'malformed', hint: r.error.issues[0]?.message });
    }
  }
  for (const name of REQUIRED) {
    if (out[name] === undefined && !problems.some((p) => p.name === name)) problems.push({ name, issue: 'missing' });
  }
  return { ...(out as Parsed), problems };
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
