// Architecture rules, checked by `npm run check` (dependency-cruiser). Each rule names the
// layering promise it keeps; `npm run check` fails on any violation.
//
// Layers, top to bottom:
//   composition root  src/app.ts (fetch) on src/base-app.ts, src/scheduled.ts (cron), src/index.ts, src/services/
//   features          one capability per folder (FEATURES below)
//   shared            src/http (Hono glue and the route-doc vocabulary), src/rate-limit, src/clerk (talking to
//                     Clerk), src/db (schema, D1 plumbing), src/env.ts (configuration, parsed from its one
//                     declaration in src/config), src/errors.ts
//   pure helpers      src/lib: plain functions and classes over data, no Hono, nothing of the app but errors.ts
// Build-time code (scripts/, e.g. the OpenAPI aggregator in scripts/openapi/) may import src/; src/ never
// imports it back, so nothing of it reaches the Worker bundle.
const FEATURES =
  '^src/(admin|auth|gateway|health|lifecycle|maintenance|metrics|openapi|revocation|tenants|webhooks)/';
const ROOT = '^src/((app|base-app|index|scheduled)\\.ts$|services/)';
// Pure cores: plain functions over data, tested without HTTP or storage (token verification and
// recognition, the gateway's path/route/assertion rules, the webhook folds, the Clerk profile rule).
const PURE_CORES = [
  '^src/auth/(verify-session|verify-machine-jwt|token-type|opaque-verify)\\.ts$',
  '^src/gateway/(normalize-path|route-table|assertion)\\.ts$',
  '^src/webhooks/(fold-[^/]+|clerk-event|effects|parse-data)\\.ts$',
  '^src/clerk/user-profile\\.ts$',
];
// Per-isolate state: the classes createServices (src/services/services.ts) instantiates, one file each.
const STATE = `${FEATURES}([^/]+-(cache|state)|verifier|machine-verifier)\\.ts$`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'db-imports-no-feature',
      comment: 'src/db is schema and D1 plumbing shared by every capability: it imports nothing above it.',
      severity: 'error',
      from: { path: '^src/db/' },
      to: { path: '^src/', pathNot: '^src/db/' },
    },
    {
      name: 'lib-is-pure',
      comment:
        'src/lib holds pure helpers: it imports no Hono, no Drizzle, and nothing of the app but src/errors.ts ' +
        '(Hono glue belongs in src/http, configuration in src/env.ts, rules in their feature).',
      severity: 'error',
      from: { path: '^src/lib/' },
      to: { path: ['^src/', '^node_modules/(hono|@hono|drizzle-orm)/'], pathNot: '^src/(lib/|errors\\.ts$)' },
    },
    {
      name: 'shared-imports-no-feature',
      comment:
        'src/http, src/rate-limit, src/clerk, src/config and src/lib are shared by every capability: they import no feature ' +
        'folder (a feature rule used by another feature moves down, or is passed in as a callback).',
      severity: 'error',
      from: { path: '^src/(http|rate-limit|clerk|config|lib)/' },
      to: { path: FEATURES },
    },
    {
      name: 'shared-imports-no-root',
      comment:
        'Shared layers are wired by the composition root, never the other way round (types excepted: the ' +
        "test clock's route names the TestClock it moves).",
      severity: 'error',
      from: { path: '^src/(http|rate-limit|clerk|config|lib)/' },
      to: { path: ROOT, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'config-and-errors-import-only-helpers',
      comment:
        'src/env.ts and src/errors.ts sit under everything that reads configuration or throws: they import ' +
        'only src/lib, src/clerk, src/config and src/db (never Hono glue, a feature or the root), so no folder ' +
        'cycle forms.',
      severity: 'error',
      from: { path: '^src/(env|errors)\\.ts$|^src/config/' },
      to: { path: '^src/', pathNot: '^src/((lib|clerk|config|db)/|(env|errors)\\.ts$)' },
    },
    {
      name: 'features-do-not-import-openapi',
      comment:
        'src/openapi serves the generated document; only the composition root mounts it. A feature documents its ' +
        'routes with RouteDoc from src/http/route-doc.ts, and scripts/openapi collects them at build time.',
      severity: 'error',
      from: { path: FEATURES, pathNot: '^src/openapi/' },
      to: { path: '^src/openapi/' },
    },
    {
      name: 'openapi-imports-no-feature',
      comment:
        "src/openapi serves the document generated at build time; collecting every feature's RouteDocs is " +
        'build-time work (scripts/openapi/all-route-docs.ts), so src/openapi imports no other feature.',
      severity: 'error',
      from: { path: '^src/openapi/' },
      to: { path: FEATURES, pathNot: '^src/openapi/' },
    },
    {
      name: 'runtime-never-imports-build-time',
      comment:
        'The Worker (src/) never imports build-time or tool code (scripts/, e.g. the OpenAPI aggregator and zod ' +
        "JSON Schema converter in scripts/openapi/; bench/, drill/, test/, e2e/): it would land in the bundle.",
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(scripts|bench|drill|test|e2e)/' },
    },
    {
      name: 'no-foreign-internal-state',
      comment:
        "A feature never touches another feature's per-isolate state (its caches, registries, gateway state): " +
        'cross-module effects are callbacks wired by createServices (src/services/services.ts), the only importer from outside.',
      severity: 'error',
      from: { path: '^src/([^/]+)/', pathNot: ROOT },
      to: { path: STATE, pathNot: '^src/$1/' },
    },
    {
      name: 'features-do-not-import-the-root',
      comment: 'Features are wired by the composition root, never the other way round (types excepted: Services).',
      severity: 'error',
      from: { path: FEATURES },
      to: { path: ROOT, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'pure-cores-import-neither-hono-nor-storage',
      comment:
        'Verification and the webhook folds are pure: no Hono, no Drizzle/D1, no store ' +
        '(directly or through what they import).',
      severity: 'error',
      from: { path: PURE_CORES },
      to: {
        path: [
          '^node_modules/(hono|@hono|drizzle-orm)/',
          '^src/db/',
          '-store\\.ts$',
          '^src/http/',
        ],
        reachable: true,
      },
    },
    {
      name: 'no-circular',
      comment: 'No import cycles (type-only imports, e.g. the Variables augmentation, excepted).',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['^src/openapi/openapi\\.generated\\.ts$'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
  },
};
