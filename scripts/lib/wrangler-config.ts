// wrangler.toml as wrangler itself reads it, and wrangler runs, for the build and deploy scripts.
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as wrangler from 'wrangler';
import type { RawConfig } from './environments';

const CONFIG_PATH = new URL('../../wrangler.toml', import.meta.url).pathname;

type ReadRawConfig = (args: { config: string }, options?: { hideWarnings?: boolean }) => { rawConfig: unknown };

/** The raw (un-normalised) configuration: the top level and each `[env.*]` block as written. */
export function readWranglerConfig(): RawConfig {
  const read = (wrangler as unknown as { experimental_readRawConfig: ReadRawConfig }).experimental_readRawConfig;
  return read({ config: CONFIG_PATH }, { hideWarnings: true }).rawConfig as RawConfig;
}

/**
 * The fields wrangler does not inherit into a named environment, from its own JSON schema (each
 * says "not automatically inherited"), so a field added by a newer wrangler is covered too.
 */
export function nonInheritedFields(): string[] {
  // The path wrangler.toml's `#:schema` line uses (the package does not export the file).
  const schemaPath = new URL('../../node_modules/wrangler/config-schema.json', import.meta.url);
  const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as {
    definitions: { RawEnvironment: { properties: Record<string, { description?: string }> } };
  };
  return Object.entries(schema.definitions.RawEnvironment.properties)
    .filter(([, p]) => p.description?.includes('not automatically inherited'))
    .map(([name]) => name);
}

/** Runs the project's wrangler (no metrics); output captured unless `inherit`. */
export function runWrangler(args: readonly string[], inherit = false): SpawnSyncReturns<string> {
  return spawnSync('wrangler', args, {
    encoding: 'utf8',
    stdio: inherit ? 'inherit' : 'pipe',
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
  });
}
