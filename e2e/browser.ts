import { execFile } from 'node:child_process';
import {
  accessSync,
  constants,
  existsSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import chromium from '@sparticuz/chromium';
import { type BrowserContext, chromium as playwright } from 'playwright-core';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const VERSION: string = JSON.parse(
  readFileSync(join(ROOT, 'node_modules/@sparticuz/chromium/package.json'), 'utf8'),
).version;
/** Written last into a finished unpack, before it is renamed into place: its presence means "complete". */
const MARKER = '.fulcrum-complete';

/** Our flags on top of the package's: no background traffic, so a test sees only what the page requests. */
export const QUIET_FLAGS = ['--disable-background-networking', '--disable-component-update', '--disable-sync'];

export type ChromiumChoice = { kind: 'override'; path: string } | { kind: 'bundled' };

/**
 * Which browser to launch. `CHROMIUM_PATH` (a browser of your own) wins; one that is not an executable file
 * is refused here with a message naming the variable, before Playwright reports it from its internals.
 * Unset or empty: the Chromium that `npm install` brought (@sparticuz/chromium).
 */
export function resolveChromium(
  env: { CHROMIUM_PATH?: string | undefined },
  isExecutableFile: (path: string) => boolean,
): ChromiumChoice {
  const path = env.CHROMIUM_PATH;
  if (path === undefined || path === '') return { kind: 'bundled' };
  if (!isExecutableFile(path)) {
    throw new Error(
      `CHROMIUM_PATH is set to "${path}", which is not an executable file: point CHROMIUM_PATH at a Chromium binary, ` +
        'or unset it to use the one npm installed (@sparticuz/chromium)',
    );
  }
  return { kind: 'override', path };
}

export function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function isComplete(dir: string): boolean {
  return existsSync(join(dir, MARKER)) && isExecutableFile(join(dir, 'chromium'));
}

/**
 * The bundled Chromium, unpacked once per machine and version under `cacheRoot`; returns the binary's path.
 *
 * The package's own `executablePath()` writes straight into the temp directory and returns early as soon as
 * the file *exists*, so a second process starting meanwhile would launch a half-written binary. Here each
 * process unpacks into a private directory (the package's code, in a child with TMPDIR pointed there), checks
 * that the result runs (`--version`), marks it complete and renames it into place. rename(2) is atomic and
 * refuses a non-empty target: exactly one unpack wins, the others discard theirs and use the winner's.
 */
export async function bundledChromium(cacheRoot: string = tmpdir()): Promise<string> {
  const dir = join(cacheRoot, `fulcrum-chromium-bin-${VERSION}`);
  const exe = join(dir, 'chromium');
  if (isComplete(dir)) return exe;
  if (existsSync(dir)) discard(dir); // incomplete (e.g. partly removed by a temp cleaner): never patched, replaced
  const staging = mkdtempSync(`${dir}.unpacking-`);
  try {
    const script = "import c from '@sparticuz/chromium'; process.stdout.write(await c.executablePath());";
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      cwd: ROOT,
      env: { ...process.env, TMPDIR: staging },
    });
    if (stdout !== join(staging, 'chromium'))
      throw new Error(`@sparticuz/chromium unpacked to ${stdout}, expected ${staging}`);
    const { stdout: version } = await run(stdout, ['--version']);
    writeFileSync(join(staging, MARKER), version);
    try {
      renameSync(staging, dir);
    } catch (error) {
      // Another process won the race with its own complete unpack: use that one.
      if (!isComplete(dir)) throw error;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return exe;
}

function discard(dir: string) {
  const aside = `${dir}.stale-${process.pid}-${Date.now()}`;
  try {
    renameSync(dir, aside);
  } catch {
    return; // another process moved it first
  }
  rmSync(aside, { recursive: true, force: true });
}

/** Headless Chromium with a fresh profile: `CHROMIUM_PATH` if set, else the bundled one with its recommended flags. */
export async function launchChromium(
  profile: string,
  options: { viewport?: { width: number; height: number } } = {},
): Promise<BrowserContext> {
  const choice = resolveChromium(process.env, isExecutableFile);
  const executablePath = choice.kind === 'override' ? choice.path : await bundledChromium();
  const args =
    choice.kind === 'override' ? ['--no-sandbox', '--disable-gpu', ...QUIET_FLAGS] : [...chromium.args, ...QUIET_FLAGS];
  return playwright.launchPersistentContext(profile, { executablePath, args, ...options });
}
