// Architecture rules, checked by `npm run check` (dependency-cruiser). Each rule names the
// layering promise it keeps; `npm run check` fails on any violation.
//
// Layers: src/lib (generic helpers) and src/clerk (talking to Clerk) and src/db (schema, D1
// plumbing) are shared; every other folder under src/ is a feature (capability); src/app.ts,
// src/index.ts, src/scheduled.ts and src/services/ are the composition root.
const FEATURES = '^src/(admin|auth|gateway|health|maintenance|openapi|tenants|webhooks)/';
const ROOT = '^src/((app|index|scheduled)\\.ts$|services/)';
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
      name: 'lib-imports-no-feature',
      comment: 'src/lib and src/clerk are shared helpers: they import no feature and not the composition root.',
      severity: 'error',
      from: { path: '^src/(lib|clerk)/' },
      to: { path: [FEATURES, ROOT] },
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
