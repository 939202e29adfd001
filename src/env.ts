import { type ClerkInstance, clerkInstanceOf, type KeyWarning, keyPairProblems, keyWarnings } from './clerk/key-rules';
import { Invalid } from './config/parsers';
import { VARIABLE_NAMES, VARIABLES, type Values, type VariableName } from './config/variables';
import type { Database } from './db/database';
import { retentionConflicts } from './lib/retention';

export { type DeploymentEnvironment, ENVIRONMENTS } from './config/variables';

/**
 * The Worker's bindings. Variables are typed from their declaration (src/config/variables.ts), all
 * optional: wrangler.toml holds only values that differ from the defaults, secrets may be absent (the
 * service then answers 503 `misconfigured`, never crashes), and code reads them parsed (`c.var.config`).
 */
export type Bindings = Omit<Env, VariableName> &
  Partial<Record<Exclude<VariableName, 'GATEWAY_ROUTES'>, string>> & {
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

export type ConfigName = VariableName;

/**
 * Parsed configuration. Values are present only when valid; `problems` names every
 * variable that is missing, malformed or mismatched with another (never its value);
 * `warnings` are allowed but dangerous combinations (a live Clerk key in local development).
 */
export type Config = Values & {
  clerkInstance: ClerkInstance | undefined;
  problems: ConfigProblem[];
  warnings: ConfigWarning[];
};
export type ConfigProblem = { name: ConfigName; issue: 'missing' | 'malformed' | 'mismatched'; hint?: string };
/** From Clerk's key rules (src/clerk/key-rules.ts). */
export type ConfigWarning = KeyWarning;

const REQUIRED = VARIABLE_NAMES.filter((name) => VARIABLES[name].required === 'yes');
/**
 * Parses each declared variable on its own, so one malformed value does not hide the others: an empty
 * or absent variable takes its default; a malformed one is a problem and reads as unset.
 */
export function parseConfig(raw: Record<string, unknown>): Config {
  const problems: ConfigProblem[] = [];
  const out: Record<string, unknown> = {};
  for (const name of VARIABLE_NAMES) {
    const spec: { default?: string; json?: true; parse: (text: string) => unknown } = VARIABLES[name];
    const unset = spec.default === undefined ? undefined : spec.parse(spec.default);
    const value = raw[name];
    const given = typeof value === 'string' ? value : spec.json && value != null ? JSON.stringify(value) : undefined;
    if (value != null && given === undefined) problems.push({ name, issue: 'malformed', hint: 'must be a string' });
    const trimmed = given?.trim() ?? '';
    const parsed = trimmed === '' ? unset : spec.parse(trimmed);
    if (parsed instanceof Invalid) problems.push({ name, issue: 'malformed', hint: parsed.hint });
    out[name] = parsed instanceof Invalid ? unset : parsed;
  }
  for (const name of REQUIRED) {
    if (out[name] === undefined && !problems.some((p) => p.name === name)) problems.push({ name, issue: 'missing' });
  }
  // Only an ENVIRONMENT written as exactly "development" enables the test clock: a deployed block that lost
  // or mistyped the var reads as development (the default) but must not.
  if (raw.ENVIRONMENT !== 'development') out.TEST_CLOCK_TOKEN = undefined;
  const values = out as Values;
  const clerkInstance =
    values.CLERK_PUBLISHABLE_KEY === undefined
      ? undefined
      : (clerkInstanceOf(values.CLERK_PUBLISHABLE_KEY) ?? undefined);
  const facts = { environment: values.ENVIRONMENT, instance: clerkInstance, secretKey: values.CLERK_SECRET_KEY };
  problems.push(...keyPairProblems(facts));
  for (const conflict of retentionConflicts(values))
    for (const name of conflict.names)
      if (!problems.some((p) => p.name === name)) problems.push({ name, issue: 'mismatched', hint: conflict.hint });
  return { ...values, clerkInstance, problems, warnings: keyWarnings(facts) };
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
