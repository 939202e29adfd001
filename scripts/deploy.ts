// `npm run deploy -- --env <staging|production> [wrangler deploy options]`: checks that environment's
// resources and secrets exist, applies its D1 migrations remotely, then deploys it. Migrations come
// first because the new code may need the new schema (migrations here only add). The top level of
// wrangler.toml is local development and is refused. `--dry-run` only bundles.
import { deployPlan, missingSecrets } from './lib/environments';
import { readWranglerConfig, runWrangler } from './lib/wrangler-config';

const planned = deployPlan(process.argv.slice(2), readWranglerConfig());
if (!planned.ok) {
  console.error(`deploy: ${planned.error}`);
  process.exit(2);
}
const { plan } = planned;

if (plan.checkSecrets) {
  const listed = runWrangler(['secret', 'list', '--env', plan.env, '--format', 'json']);
  let secrets: unknown;
  try {
    secrets = JSON.parse(listed.stdout);
  } catch {
    secrets = undefined;
  }
  if (listed.status !== 0 || secrets === undefined) {
    console.error(
      `deploy: could not list the secrets of env.${plan.env} (logged in? does the Worker exist?):\n${listed.stderr}`,
    );
    process.exit(1);
  }
  const missing = missingSecrets(secrets);
  if (missing.length > 0) {
    console.error(
      `deploy: env.${plan.env} lacks ${missing.join(', ')}: npx wrangler secret put <NAME> --env ${plan.env}`,
    );
    process.exit(1);
  }
}

for (const command of plan.commands) {
  console.log(`deploy: wrangler ${command.join(' ')}`);
  const run = runWrangler(command, true);
  if (run.status !== 0) {
    console.error(`deploy: wrangler ${command[0]} failed (exit ${run.status}); nothing after it ran`);
    process.exit(run.status ?? 1);
  }
}
