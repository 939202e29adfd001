import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionCreated, userCreated } from '../drill/support/clerk-events';
import { deliver } from '../drill/support/drill';
import { createFakeClerk } from '../drill/support/fake-clerk';
import { ADMIN, createDrillService } from '../drill/support/service';
import { freePort } from '../scripts/lib/wrangler-dev';
import { launchChromium } from './browser';

// The operator console against the real service (wrangler dev, the drill's harness and fake Clerk), with
// known traffic: webhooks posted (one failing, then replayed from the console), tokens refused.
const OUTPUT = process.env.E2E_SCREENSHOT_DIR ?? 'e2e/output';
const clerk = createFakeClerk();
const service = createDrillService(clerk);
let browser: BrowserContext;
let profile: string;
const t0 = Date.now();
const FAILING = 'msg_console_s3';

beforeAll(async () => {
  profile = mkdtempSync(join(tmpdir(), 'fulcrum-chromium-'));
  await clerk.start();
  // A fixed port, so the console's own origin can be the authorized party a Clerk session cookie needs (the
  // console served on the dashboard's site).
  const port = await freePort();
  const previousPort = process.env.DRILL_PORT;
  process.env.DRILL_PORT = String(port);
  const [booted, launched] = await Promise.allSettled([
    service.boot({ fresh: true, vars: { CLERK_AUTHORIZED_PARTIES: `http://127.0.0.1:${port}` } }),
    launchChromium(profile, { viewport: { width: 1200, height: 900 } }),
  ]);
  if (previousPort === undefined) delete process.env.DRILL_PORT;
  else process.env.DRILL_PORT = previousPort;
  if (launched.status === 'fulfilled') browser = launched.value;
  for (const r of [booted, launched]) if (r.status === 'rejected') throw r.reason;

  // Clerk knows them too: the cron's reconciliation must not take them for users deleted at Clerk (and erase them).
  for (let i = 1; i <= 3; i++) clerk.users.push(userCreated(`user_console${i}`, t0 + i).data);
  for (let i = 1; i <= 3; i++)
    expect(await deliver(service, `msg_console_u${i}`, userCreated(`user_console${i}`, t0 + i))).toBe(200);
  for (let i = 1; i <= 2; i++)
    expect(
      await deliver(service, `msg_console_s${i}`, sessionCreated(`sess_console${i}`, `user_console${i}`, t0 + 10 + i)),
    ).toBe(200);
  // The cron fills the usage history (before the failure below: its retries would take the event).
  expect(await service.scheduled('*/10 * * * *', Date.now())).toBe(200);
  // The third session's effects fail (D1 refusing its audit): stored `failed`, for the console to replay.
  const restore = await service.failWrites(['login_audits']);
  try {
    expect(
      await deliver(service, FAILING, sessionCreated('sess_console3', 'user_console3', t0 + 13)),
    ).toBeGreaterThanOrEqual(500);
  } finally {
    await restore();
  }
  // Refused tokens: 3 expired, 2 without any credential.
  const expired = clerk.mint({
    azp: service.url,
    claims: { exp: Math.floor(t0 / 1000) - 120, iat: Math.floor(t0 / 1000) - 400 },
  });
  for (let i = 0; i < 3; i++) expect((await service.get('/v1/tenant', expired)).status).toBe(401);
  for (let i = 0; i < 2; i++) expect((await service.get('/v1/tenant')).status).toBe(401);
  mkdirSync(OUTPUT, { recursive: true });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await service.close();
  await clerk.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

/** A page that refuses (and records) every request that would leave the service's origin. */
async function watchedPage() {
  const page = await browser.newPage();
  const foreign: string[] = [];
  const errors: string[] = [];
  const urls: string[] = [];
  await page.route('**/*', (route) => {
    const url = route.request().url();
    urls.push(url);
    if (url.startsWith(service.url) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
    foreign.push(url);
    return route.abort();
  });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  return { page, foreign, errors, urls };
}

const count = (page: Page, selector: string) => page.getAttribute(selector, 'data-count').then(Number);

describe('/console in headless Chromium, against wrangler dev', () => {
  it('signs in from the fragment, shows readiness, usage, refusals and webhooks with the right numbers; Replay works', async () => {
    const { page, foreign, errors, urls } = await watchedPage();
    const token = clerk.mint({ userId: ADMIN, azp: service.url });
    await page.goto(`${service.url}/console#token=${token}`);

    // The token left the address bar and lives in this tab's sessionStorage only.
    await page.waitForSelector('#mau:not(:text("…"))');
    expect(page.url()).toBe(`${service.url}/console`);
    expect(await page.evaluate(() => Object.keys(localStorage).length)).toBe(0);
    expect(await page.evaluate(() => sessionStorage.getItem('fulcrum.console.token'))).toBe(token);

    expect(await page.textContent('#ready-status')).toMatch(/ok|degraded/);
    expect(await page.$$eval('#ready-checks li', (els) => els.length)).toBeGreaterThanOrEqual(5);
    // Two users with a session today; none back on a later day yet.
    expect(await page.textContent('#mau')).toBe('2');
    expect(await page.textContent('#mru')).toBe('0');
    expect(await page.textContent('#alert-mau')).toBe('10,000');
    expect(await page.getAttribute('#usage-chart path.mau', 'data-last')).toBe('2');
    expect(await page.getAttribute('#usage-chart line.alert', 'data-value')).toBe('10000');
    await page.screenshot({ path: join(OUTPUT, 'console-overview.png'), fullPage: true });

    await page.click('button[data-view="auth"]');
    await page.waitForSelector('#by-reason rect[data-label="expired"]');
    expect(await page.textContent('#metrics-source')).toBe('this isolate only');
    expect(await count(page, '#by-reason rect[data-label="expired"][data-part="refused"]')).toBe(3);
    expect(await count(page, '#by-reason rect[data-label="missing"][data-part="refused"]')).toBe(2);
    expect(await count(page, '#by-type rect[data-label="session_token"][data-part="refused"]')).toBe(5);
    const refusedColumns = await page.$$eval('#auth-timeline rect.refused', (els) =>
      els.reduce((n, e) => n + Number(e.getAttribute('data-count')), 0),
    );
    expect(refusedColumns).toBe(5);
    await page.screenshot({ path: join(OUTPUT, 'console-auth.png'), fullPage: true });

    await page.click('button[data-view="webhooks"]');
    const row = `#failed tr[data-svix-id="${FAILING}"]`;
    await page.waitForSelector(row);
    expect(await count(page, '#webhook-types rect[data-label="user.created"][data-part="processed"]')).toBe(3);
    expect(await count(page, '#webhook-types rect[data-label="session.created"][data-part="processed"]')).toBe(2);
    expect(await count(page, '#webhook-types rect[data-label="session.created"][data-part="failed"]')).toBe(1);
    await page.screenshot({ path: join(OUTPUT, 'console-webhooks.png'), fullPage: true });
    await page.click(`${row} button.replay`);
    await page.waitForSelector('#no-failed:not([hidden])', { timeout: 15_000 }).catch(async (error) => {
      const seen = { notice: await page.textContent('#notice'), row: await page.textContent('#failed tbody') };
      throw new Error(`replay did not clear the failed list: ${JSON.stringify(seen)}; ${error}`);
    });
    expect(await count(page, '#webhook-types rect[data-label="session.created"][data-part="processed"]')).toBe(3);
    expect(await service.d1Count("select count(*) from login_audits where session_id = 'sess_console3'")).toBe(1);

    await page.click('button[data-view="tenants"]');
    await page.fill('#tenant-q', 'user_console');
    await page.click('#tenant-search button');
    await page.waitForSelector('#tenants tr[data-tenant="user_console2"]');
    expect(await page.$$eval('#tenants tbody tr', (els) => els.length)).toBe(3);
    await page.click('#tenants tr[data-tenant="user_console2"]');
    await page.waitForSelector('#tenant-detail:not([hidden])');
    expect(await page.textContent('#tenant-fields')).toContain('user_console2@drill.test');
    await page.screenshot({ path: join(OUTPUT, 'console-tenants.png'), fullPage: true });

    // The overview again: the replayed session made a third monthly user.
    await page.click('button[data-view="overview"]');
    // (Not waitForFunction: the page's CSP refuses evaluated strings, as it should.)
    await page.waitForSelector('#mau:text-is("3")');

    expect(foreign).toEqual([]);
    expect(errors).toEqual([]);
    // The token never travelled in a URL.
    expect(urls.filter((u) => u.includes(token.slice(-20)))).toEqual([]);
    expect(service.logs.filter((l) => l.includes(token.slice(-20)))).toEqual([]);
  });

  it("signs in with the Clerk session cookie where there is no token (the console on the dashboard's site)", async () => {
    const { page, foreign, errors, urls } = await watchedPage();
    const token = clerk.mint({ userId: ADMIN, azp: service.url });
    const clientUat = String(Math.floor(Date.now() / 1000) - 60);
    await browser.addCookies([
      { name: '__session', value: token, url: service.url },
      { name: '__client_uat', value: clientUat, url: service.url },
    ]);
    try {
      await page.goto(`${service.url}/console`);
      await page.waitForSelector('#mau:not(:text("…"))');
      expect(await page.isHidden('#signin')).toBe(true);
      expect(await page.evaluate(() => sessionStorage.getItem('fulcrum.console.token'))).toBeNull();
      // A malformed fragment leaves the address bar all the same, and signs nobody in by itself.
      await page.goto('about:blank');
      await page.goto(`${service.url}/console#token=%E0%A4%A`);
      await page.waitForSelector('#mau:not(:text("…"))');
      expect(page.url()).toBe(`${service.url}/console`);
    } finally {
      await browser.clearCookies();
    }
    expect(foreign).toEqual([]);
    expect(errors).toEqual([]);
    expect(urls.filter((u) => u.includes(token.slice(-20)))).toEqual([]);
  });

  it('a 403 says what to do: not an operator, or a second factor to verify again', async () => {
    const { page, foreign } = await watchedPage();
    await page.goto(`${service.url}/console#token=${clerk.mint({ userId: 'user_console1', azp: service.url })}`);
    await page.waitForSelector('#notice:not([hidden])');
    expect(await page.textContent('#notice')).toContain('ADMIN_USER_IDS');
    await page.goto('about:blank');
    await page.goto(
      `${service.url}/console#token=${clerk.mint({ userId: ADMIN, azp: service.url, claims: { fva: [30, 30] } })}`,
    );
    await page.waitForSelector('#notice:not([hidden])');
    expect(await page.textContent('#notice')).toContain('second factor');
    await page.screenshot({ path: join(OUTPUT, 'console-403.png'), fullPage: true });
    await page.evaluate(() => sessionStorage.clear());
    await page.goto(`${service.url}/console`);
    await page.waitForSelector('#signin:not([hidden])');
    expect(foreign).toEqual([]);
  });
});
