/**
 * Pure renderers and checks for `npm run config:docs` (scripts/generate-config-docs.ts): the declaration of
 * the configuration (src/config/variables.ts, the limiters) in, docs/configuration.md, .dev.vars.example and
 * the differences from wrangler.toml out. No Node or wrangler import, so the workerd tests exercise them too.
 */
import { ENVIRONMENT_OF_TOP_LEVEL, label, type RawConfig, type RawEnvironment, TOP_LEVEL } from './environments';

/** What the docs need of a variable's declaration (src/config/variables.ts `Variable`). */
export type VariableDoc = {
  kind: 'var' | 'secret';
  required: 'yes' | 'no' | { when: string };
  default?: string;
  defaultText?: string;
  meaning: string;
  everyBlock?: true;
  local?: string;
  example?: string;
};
/** What the docs and checks need of a rate limiter (`LIMITERS`). */
export type LimiterDoc = {
  limit: number;
  /** Environments (`development` is the top level) whose limit differs. */
  limitIn?: Readonly<Record<string, number>>;
  periodSeconds: number;
  meaning: string;
};

type Declared = Readonly<Record<string, VariableDoc>>;
type Limiters = Readonly<Record<string, LimiterDoc>>;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Each wrangler.toml block with its label and environment: the top level (local development), then each
 * `[env.*]`.
 */
function blocks(config: RawConfig): [string, RawEnvironment, string][] {
  const named = Object.entries(config.env ?? {}).map(([name, block]): [string, RawEnvironment, string] => [
    label(name),
    isRecord(block) ? block : {},
    name,
  ]);
  return [[label(TOP_LEVEL), config, ENVIRONMENT_OF_TOP_LEVEL], ...named];
}

const varsOf = (block: RawEnvironment): Record<string, unknown> => (isRecord(block.vars) ? block.vars : {});
const textOf = (v: unknown): string => (typeof v === 'string' ? v.trim() : JSON.stringify(v));

/**
 * Every `[[ratelimits]]` block must state exactly the limiters of `LIMITERS`, with its limit and period:
 * `Retry-After` is computed from `LIMITERS`, so a block that says otherwise would send a wrong one.
 */
export function limiterProblems(config: RawConfig, limiters: Limiters): string[] {
  const problems: string[] = [];
  for (const [where, block, environment] of blocks(config)) {
    const list = Array.isArray(block.ratelimits) ? block.ratelimits : [];
    const seen = new Set<string>();
    for (const entry of list) {
      const name = isRecord(entry) && typeof entry.name === 'string' ? entry.name : '(unnamed)';
      seen.add(name);
      const declared = limiters[name];
      if (!declared) {
        problems.push(`${where}: [[ratelimits]] ${name} is not in LIMITERS`);
        continue;
      }
      const simple = isRecord(entry) && isRecord(entry.simple) ? entry.simple : {};
      const limit = declared.limitIn?.[environment] ?? declared.limit;
      if (simple.limit !== limit || simple.period !== declared.periodSeconds) {
        problems.push(
          `${where}: [[ratelimits]] ${name} says limit = ${String(simple.limit)}, period = ${String(simple.period)}; ` +
            `LIMITERS says limit = ${limit}, period = ${declared.periodSeconds} (Retry-After follows LIMITERS)`,
        );
      }
    }
    for (const name of Object.keys(limiters)) {
      if (!seen.has(name)) problems.push(`${where}: no [[ratelimits]] block for ${name}`);
    }
  }
  return problems;
}

/**
 * wrangler.toml `[vars]` keep only what differs from the code: every name declared, no secret among them,
 * and no value equal to its default (an empty string is unset, i.e. the default) unless the variable is
 * one every block must state.
 */
export function varsProblems(config: RawConfig, declared: Declared): string[] {
  const problems: string[] = [];
  for (const [where, block] of blocks(config)) {
    const vars = varsOf(block);
    for (const [name, value] of Object.entries(vars)) {
      const spec = declared[name];
      if (!spec) problems.push(`${where}: vars.${name} is not declared in src/config/variables.ts`);
      else if (spec.kind === 'secret') problems.push(`${where}: vars.${name} is a secret (wrangler secret put)`);
      else if (!spec.everyBlock && (textOf(value) === '' || textOf(value) === (spec.default ?? ''))) {
        problems.push(`${where}: vars.${name} repeats the default (${JSON.stringify(spec.default ?? '')}): remove it`);
      }
    }
    for (const [name, spec] of Object.entries(declared)) {
      if (spec.everyBlock && !(name in vars)) problems.push(`${where}: vars.${name} must be stated in every block`);
    }
  }
  return problems;
}

const code = (v: string) => `\`${v}\``;
const requiredText = (r: VariableDoc['required']) => (typeof r === 'string' ? r : r.when);
function defaultText(spec: VariableDoc): string {
  if (spec.defaultText !== undefined) return spec.defaultText;
  return spec.default === undefined || spec.default === '' ? '–' : code(spec.default);
}
const cell = (v: string) => v.replace(/\|/g, '\\|');

/** docs/configuration.md. */
export function renderConfigurationPage(declared: Declared, limiters: Limiters, config: RawConfig): string {
  const rows = Object.entries(declared).map(([name, s]) =>
    [code(name), s.kind, requiredText(s.required), defaultText(s), s.meaning].map(cell).join(' | '),
  );
  const setIn = blocks(config).map(([where, block]) => {
    const names = Object.keys(varsOf(block)).map(code).join(', ');
    return `| ${where} | ${names || '–'} |`;
  });
  const limitText = (l: LimiterDoc) => {
    const others = Object.entries(l.limitIn ?? {}).map(([env, n]) => `${n} in ${env}`);
    return others.length === 0 ? String(l.limit) : `${l.limit} (${others.join(', ')})`;
  };
  const limiterRows = Object.entries(limiters).map(
    ([name, l]) => `| ${code(name)} | ${limitText(l)} | ${l.periodSeconds} s | ${cell(l.meaning)} |`,
  );
  return `# Configuration

<!-- Generated by \`npm run config:docs\` from src/config/variables.ts, LIMITERS and wrangler.toml. Do not edit:
     \`npm run check\` fails when this page is stale. -->

Every configuration variable is declared once, in \`src/config/variables.ts\`: its kind, whether it is required,
its default, its meaning and its parser. This page and the comments and values of \`.dev.vars.example\` are
generated from that declaration, and the code reads every variable parsed, as \`c.var.config.NAME\` (\`src/env.ts\`).

**To add a variable:** add an entry to \`VARIABLES\` in \`src/config/variables.ts\`, run \`npm run config:docs\`,
and commit the regenerated \`docs/configuration.md\` and \`.dev.vars.example\`. Put a value in \`wrangler.toml\`
only for an environment where it differs from the default (\`npm run check\` refuses a repeated default, an
undeclared name and a secret in \`[vars]\`); wrangler inherits no var into a named environment, so state it in
each block that needs it, then run \`npm run types\`.

Configuration is parsed once per isolate, each variable on its own; empty strings count as unset. A missing or
malformed required variable never crashes a request: the routes that need it answer 503 \`misconfigured\`, and
\`/health/ready\` names the variable (never its value).

## Variables

Kinds: \`var\` is a \`[vars]\` entry of \`wrangler.toml\` (or a \`.dev.vars\` line locally); \`secret\` is set with
\`npx wrangler secret put NAME --env <environment>\` (or in \`.dev.vars\` locally).

| Name | Kind | Required | Default | Meaning |
|---|---|---|---|---|
${rows.map((r) => `| ${r} |`).join('\n')}

## Values set in wrangler.toml

Each block states only what differs from the defaults above (the top level is local development).

| Block | Variables |
|---|---|
${setIn.join('\n')}

## Rate limits

Rate limits are bindings, not variables: Workers Rate Limiting namespaces, one \`[[ratelimits]]\` block per limiter
in every \`wrangler.toml\` environment. Their numbers live in \`LIMITERS\` (\`src/rate-limit/limiters.ts\`), which
computes \`Retry-After\`; \`npm run check\` fails when any block's \`simple = { limit, period }\` differs from it.
Periods must be 10 or 60 s.

| Binding | Limit | Period | Counts |
|---|---|---|---|
${limiterRows.join('\n')}
`;
}

/** `# `-comment lines of at most 110 characters. */
function wrap(text: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + word.length + 1 > 108) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines.map((l) => `# ${l}`).join('\n');
}

/** .dev.vars.example: the local values (secrets and what `npm run dev` needs), then optional overrides. */
export function renderDevVarsExample(declared: Declared): string {
  const comment = (name: string, s: VariableDoc) => {
    const required = requiredText(s.required);
    const need =
      required === 'yes' ? 'required' : required.startsWith('no') ? `optional${required.slice(2)}` : required;
    const facts = [s.kind, need];
    if (s.default) facts.push(`default ${s.default}`);
    else if (s.defaultText) facts.push(`default ${s.defaultText}`);
    return wrap(`${name} (${facts.join(', ')}): ${s.meaning}`.replace(/`/g, ''));
  };
  const entries = Object.entries(declared);
  const local = entries
    .filter(([, s]) => s.local !== undefined)
    .map(([name, s]) => `${comment(name, s)}\n${name}=${s.local}`);
  const overrides = entries
    .filter(([, s]) => s.local === undefined)
    .map(([name, s]) => `${comment(name, s)}\n# ${name}=${s.example ?? s.default ?? ''}`);
  return `# Local configuration for \`npm run dev\`, which copies this file to .dev.vars (git-ignored) when missing and
# fills in CLERK_JWT_KEY and EDGE_SIGNING_KEY with generated dev keys. Offline dev never calls Clerk while
# CLERK_JWT_KEY is set. Generated by \`npm run config:docs\` from src/config/variables.ts (docs/configuration.md
# has the table): edit the declaration, not this file.

${local.join('\n')}

# Optional overrides of the defaults and of wrangler.toml [vars]:
${overrides.join('\n')}
`;
}
