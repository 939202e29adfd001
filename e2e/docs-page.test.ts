import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWranglerDev } from './wrangler-dev';

const { E2E_PORT, E2E_SCREENSHOT, CHROMIUM_PATH } = process.env;
const PORT = Number(E2E_PORT ?? 8790);
const SCREENSHOT = E2E_SCREENSHOT ?? 'e2e/output/docs.png';

let dev: Awaited<ReturnType<typeof startWranglerDev>>;
let browser: BrowserContext;
let profile: string;

beforeAll(async () => {
  dev = await startWranglerDev(PORT);
  profile = mkdtempSync(join(tmpdir(), 'fulcrum-chromium-'));
  // A fresh user-data-dir per run: no cached assets can hide a missing one.
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1100, height: 900 },
  });
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

    const doc = (await (await fetch(`${dev.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const expected = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
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
