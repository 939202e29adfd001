import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import chromium from '@sparticuz/chromium';
import { chromium as playwright } from 'playwright-core';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { bundledChromium, isExecutableFile, launchChromium, QUIET_FLAGS, resolveChromium } from './browser';

const run = promisify(execFile);
const scratch = mkdtempSync(join(tmpdir(), 'fulcrum-browser-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
afterEach(() => vi.unstubAllEnvs());

describe('resolveChromium: which browser', () => {
  const exists = (path: string) => path === '/opt/my-chromium';

  it('uses the bundled Chromium when CHROMIUM_PATH is unset or empty', () => {
    expect(resolveChromium({}, exists)).toEqual({ kind: 'bundled' });
    expect(resolveChromium({ CHROMIUM_PATH: '' }, exists)).toEqual({ kind: 'bundled' });
  });

  it('uses CHROMIUM_PATH when it is an executable file', () => {
    expect(resolveChromium({ CHROMIUM_PATH: '/opt/my-chromium' }, exists)).toEqual({
      kind: 'override',
      path: '/opt/my-chromium',
    });
  });

  it('refuses a CHROMIUM_PATH that points at nothing, naming the variable and the path', () => {
    expect(() => resolveChromium({ CHROMIUM_PATH: '/nowhere/chromium' }, exists)).toThrow(
      /CHROMIUM_PATH is set to "\/nowhere\/chromium"/,
    );
  });

  it('counts only executable regular files (not a directory, not a plain file)', () => {
    const plain = join(scratch, 'plain');
    const script = join(scratch, 'script');
    writeFileSync(plain, 'x');
    writeFileSync(script, '#!/bin/sh\n');
    chmodSync(script, 0o755);
    expect(isExecutableFile(scratch)).toBe(false);
    expect(isExecutableFile(plain)).toBe(false);
    expect(isExecutableFile(join(scratch, 'missing'))).toBe(false);
    expect(isExecutableFile(script)).toBe(true);
  });

  it('launchChromium names the variable (no Playwright stack) for a CHROMIUM_PATH to nothing', async () => {
    vi.stubEnv('CHROMIUM_PATH', join(scratch, 'no-such-browser'));
    await expect(launchChromium(join(scratch, 'profile-bad'))).rejects.toThrow(
      /^CHROMIUM_PATH is set to ".*no-such-browser", which is not an executable file/,
    );
  });
});

describe('bundledChromium: the browser npm installed, unpacked safely', () => {
  const root = join(scratch, 'cache');
  mkdirSync(root);

  it('two processes unpacking at once both get one complete binary, and it renders a page', async () => {
    const unpack = () => run('node_modules/.bin/tsx', ['e2e/unpack-chromium.ts', root], { encoding: 'utf8' });
    const results = await Promise.all([unpack(), unpack()]);
    const [first, second] = results.map((r) => r.stdout.trim().split('\n'));
    // Each child ran the binary right after its own unpack returned: neither saw a partial file.
    expect(first?.[1]).toMatch(/^Chromium \d+\./);
    expect(second).toEqual(first);
    const path = first?.[0] ?? '';
    expect(dirname(path)).toBe(
      join(root, readdirSync(root).find((name) => name.startsWith('fulcrum-chromium-bin-')) ?? '?'),
    );
    expect(readdirSync(root)).toHaveLength(1); // the loser's private unpack is gone

    const browser = await playwright.launch({ executablePath: path, args: [...chromium.args, ...QUIET_FLAGS] });
    try {
      const page = await browser.newPage();
      await page.setContent('<p id="p">rendered</p><script>document.body.dataset.ready = String(1 + 1)</script>');
      expect(await page.textContent('#p')).toBe('rendered');
      expect(await page.getAttribute('body', 'data-ready')).toBe('2');
    } finally {
      await browser.close();
    }
  });

  it('replaces an incomplete unpack (a binary left without its completion mark) rather than trusting it', async () => {
    const path = await bundledChromium(root);
    const dir = dirname(path);
    unlinkSync(join(dir, '.fulcrum-complete'));
    writeFileSync(path, 'truncated');
    expect(await bundledChromium(root)).toBe(path);
    expect((await run(path, ['--version'], { encoding: 'utf8' })).stdout).toMatch(/^Chromium \d+\./);
    expect(readdirSync(root)).toEqual([dirname(path).slice(root.length + 1)]);
  });
});
