import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startWranglerDev } from '../scripts/lib/wrangler-dev';
import { launchChromium } from './browser';

const { E2E_PORT, E2E_SCREENSHOT } = process.env;
const SCREENSHOT = E2E_SCREENSHOT ?? 'e2e/output/docs.png';

let dev: Awaited<ReturnType<typeof startWranglerDev>>;
let browser: BrowserContext;
let profile: string;

beforeAll(async () => {
  profile = mkdtempSync(join(tmpdir(), 'fulcrum-chromium-'));
  // A fresh user-data-dir per run: no cached assets can hide a missing one. The browser is the one npm
  // installed (or CHROMIUM_PATH's); it starts (and on first use unpacks) while wrangler dev starts.
  const [started, launched] = await Promise.allSettled([
    startWranglerDev(E2E_PORT ? Number(E2E_PORT) : await freePort()),
    launchChromium(profile, { viewport: { width: 1100, height: 900 } }),
  ]);
  if (started.status === 'fulfilled') dev = started.value;
  if (launched.status === 'fulfilled') browser = launched.value;
  for (const result of [launched, started]) if (result.status === 'rejected') throw result.reason;
});

afterAll(async () => {
  await browser?.close();
  await dev?.stop();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

describe('/docs in headless Chromium, offline', () => {
  it('lists every route of /openapi.json, with no failed or foreign network request', async () => {
    const page = await browser.newPage();
    const failed: string[] = [];
    const foreign: string[] = [];
    // Anything not served by the Worker itself is refused and recorded: the page must not need it.
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(dev.url) || url.startsWith('data:')) return route.continue();
      foreign.push(url);
      return route.abort();
    });
    page.on('requestfailed', (r) => failed.push(`${r.url()} ${r.failure()?.errorText}`));
    page.on('response', (r) => {
      if (r.status() >= 400) failed.push(`${r.url()} ${r.status()}`);
    });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });

    await page.goto(`${dev.url}/docs`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });

    const doc = (await (await fetch(`${dev.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const expected = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(expected.length).toBeGreaterThanOrEqual(15);
    const listed = await page.$$eval('details.route', (els) => els.map((e) => e.getAttribute('data-route')));
    expect(listed.sort()).toEqual(expected.sort());
    expect(await page.textContent('#meta')).toContain(`${expected.length} routes`);
    expect(await page.$$eval('#errors tr', (rows) => rows.length)).toBeGreaterThan(10);

    await page.click('details[data-route="GET /v1/audit/logins"] summary');
    const opened = await page.textContent('details[data-route="GET /v1/audit/logins"]');
    expect(opened).toContain('cursor');
    expect(opened).toContain('limit');

    mkdirSync(SCREENSHOT.replace(/\/[^/]+$/, ''), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    expect(failed).toEqual([]);
    expect(foreign).toEqual([]);
    expect(errors).toEqual([]);
  });
});
