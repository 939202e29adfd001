/**
 * Pure checks over wrangler's raw configuration (`experimental_readRawConfig`) for `npm run build`
 * and `npm run deploy`. No Node or wrangler import, so the workerd tests exercise them too.
 */
export type RawEnvironment = Record<string, unknown>;
export type RawConfig = RawEnvironment & { env?: Record<string, RawEnvironment> };

/** Where each wrangler.toml block runs; the top level (`""`) is local development. */
export const TOP_LEVEL = '';
export const ENVIRONMENT_OF_TOP_LEVEL = 'development';

/** Secrets a deployed environment cannot serve without (`wrangler secret put NAME --env <env>`). */
export const REQUIRED_SECRETS = ['CLERK_SECRET_KEY', 'CLERK_WEBHOOK_SIGNING_SECRET'] as const;

export type Gap = { env: string; field: string; missing: string[]; extra: string[] };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The names a non-inherited field declares: binding names for a list of bindings (`binding`, or
 * `name` for `[[ratelimits]]`), the keys of a table (`[vars]`), `durable_objects.bindings` names.
 */
export function declaredNames(value: unknown): string[] {
  if (Array.isArray(value)) {
    return value.flatMap((b) =>
      isRecord(b) ? [b.binding ?? b.name].filter((n): n is string => typeof n === 'string') : [],
    );
  }
  if (isRecord(value)) return Array.isArray(value.bindings) ? declaredNames(value.bindings) : Object.keys(value);
  return [];
}

/**
 * Wrangler inherits no binding and no var into a named environment, so each environment must
 * declare every one the top level does. `missing` is an error (that Worker would run without it);
 * `extra` (declared only in that environment) is allowed, but local development never exercises it,
 * except a var among `declaredVars` (src/config/variables.ts): where unset it has the code's default.
 */
export function environmentGaps(
  config: RawConfig,
  nonInheritedFields: readonly string[],
  declaredVars: readonly string[] = [],
): Gap[] {
  const gaps: Gap[] = [];
  for (const [env, block] of Object.entries(config.env ?? {})) {
    for (const field of nonInheritedFields) {
      const top = new Set(declaredNames(config[field]));
      const own = new Set(declaredNames(isRecord(block) ? block[field] : undefined));
      const missing = [...top].filter((n) => !own.has(n)).sort();
      const extra = [...own].filter((n) => !top.has(n) && !(field === 'vars' && declaredVars.includes(n))).sort();
      if (missing.length > 0 || extra.length > 0) gaps.push({ env, field, missing, extra });
    }
  }
  return gaps;
}

/** `ENVIRONMENT` must say where a block runs: "development" at the top level, else the environment's name. */
export function environmentVarProblems(config: RawConfig): string[] {
  const blocks: [string, unknown][] = [[TOP_LEVEL, config], ...Object.entries(config.env ?? {})];
  return blocks.flatMap(([env, block]) => {
    const expected = env === TOP_LEVEL ? ENVIRONMENT_OF_TOP_LEVEL : env;
    const vars = isRecord(block) && isRecord(block.vars) ? block.vars : {};
    return vars.ENVIRONMENT === expected ? [] : [`${label(env)}: vars.ENVIRONMENT must be "${expected}"`];
  });
}

export const label = (env: string) => (env === TOP_LEVEL ? 'top level (local development)' : `env.${env}`);

/** D1 / KV ids still at their all-zero placeholder: the resources were never created (docs/deploying.md). */
export function placeholderIds(block: RawEnvironment): string[] {
  const ids: string[] = [];
  for (const [field, key] of [
    ['d1_databases', 'database_id'],
    ['kv_namespaces', 'id'],
  ] as const) {
    const list = block[field];
    if (!Array.isArray(list)) continue;
    for (const b of list) {
      if (!isRecord(b)) continue;
      const id = b[key];
      if (typeof id !== 'string' || /^[0-]*$/.test(id.trim())) ids.push(`${field} ${String(b.binding)} ${key}`);
    }
  }
  return ids;
}

const RESOURCE_IDS = [
  ['ratelimits', 'namespace_id'],
  ['d1_databases', 'database_id'],
  ['kv_namespaces', 'id'],
] as const;

/**
 * Resources that two deployed bindings share: one account's rate-limit namespace counts for every
 * Worker using its id, and a shared D1 database or KV namespace mixes staging data into production.
 * Placeholder (all-zero) ids are left to the deploy check; the top level is local only.
 */
export function sharedResources(config: RawConfig): string[] {
  const users = new Map<string, string[]>();
  for (const [env, block] of Object.entries(config.env ?? {})) {
    if (!isRecord(block)) continue;
    for (const [field, key] of RESOURCE_IDS) {
      const list = block[field];
      for (const b of Array.isArray(list) ? list : []) {
        const id = isRecord(b) ? b[key] : undefined;
        if ((typeof id !== 'string' && typeof id !== 'number') || /^[0-]*$/.test(String(id).trim())) continue;
        const slot = `${field} ${key} ${id}`;
        users.set(slot, [...(users.get(slot) ?? []), `env.${env} ${String(b.binding ?? b.name)}`]);
      }
    }
  }
  return [...users].filter(([, who]) => who.length > 1).map(([slot, who]) => `${who.join(' and ')} share ${slot}`);
}

export type DeployPlan = { env: string; dryRun: boolean; checkSecrets: boolean; commands: string[][] };

/**
 * `npm run deploy -- --env <name> [wrangler deploy options…]`: the named environment's remote
 * migrations, then `wrangler deploy` for it, with the other options passed through. The top level
 * is local development and is never deployed. `--dry-run` only bundles (no migrations, no checks);
 * with `--secrets-file` the required secrets arrive with the upload and are not listed first.
 */
export function deployPlan(
  argv: readonly string[],
  config: RawConfig,
): { ok: true; plan: DeployPlan } | { ok: false; error: string } {
  const rest: string[] = [];
  let env: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const inline = /^(?:--env|-e)=(.*)$/.exec(arg);
    if (inline) env = inline[1];
    else if (arg === '--env' || arg === '-e') env = argv[++i];
    else rest.push(arg);
  }
  const names = Object.keys(config.env ?? {});
  const usage = `usage: npm run deploy -- --env <${names.join('|')}> [wrangler deploy options]`;
  if (env === undefined || env === TOP_LEVEL) {
    return {
      ok: false,
      error: `no environment: the top level of wrangler.toml is local development and is never deployed.\n${usage}`,
    };
  }
  const block = config.env && Object.hasOwn(config.env, env) ? config.env[env] : undefined;
  if (!isRecord(block))
    return {
      ok: false,
      error: `unknown environment "${env}" (wrangler.toml has: ${names.join(', ') || 'none'}).\n${usage}`,
    };
  const dryRun = rest.includes('--dry-run');
  if (!dryRun) {
    const placeholders = placeholderIds(block);
    if (placeholders.length > 0) {
      return {
        ok: false,
        error:
          `env.${env} still has placeholder ids (${placeholders.join('; ')}): ` +
          'create the resources and put their ids in wrangler.toml (docs/deploying.md, "Deploying an environment").',
      };
    }
  }
  const deploy = ['deploy', '--env', env, ...rest];
  const commands = dryRun ? [deploy] : [['d1', 'migrations', 'apply', 'DB', '--remote', '--env', env], deploy];
  // A first deploy brings its secrets with it (`--secrets-file`): nothing to list before the Worker exists.
  const secretsFile = rest.some((a) => a === '--secrets-file' || a.startsWith('--secrets-file='));
  return { ok: true, plan: { env, dryRun, checkSecrets: !dryRun && !secretsFile, commands } };
}

/** The required secrets `wrangler secret list --format json` does not show. */
export function missingSecrets(listed: unknown): string[] {
  const names = new Set(
    Array.isArray(listed) ? listed.flatMap((s) => (isRecord(s) && typeof s.name === 'string' ? [s.name] : [])) : [],
  );
  return REQUIRED_SECRETS.filter((n) => !names.has(n));
}
