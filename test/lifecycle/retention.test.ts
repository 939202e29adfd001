import { beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/env';
import { isRetentionDays, RETENTION_DEFAULTS, RETENTION_NAMES } from '../../src/lib/retention';
import { clockedApp, count, DAY_MS, lifecycleAt, resetLifecycleState, userWithSession } from './support';

const T0 = Date.UTC(2030, 0, 10, 12);

beforeEach(resetLifecycleState);

describe('retention settings', () => {
  it('default to DESIGN.md values and accept whole days 1–3650 only', () => {
    const config = parseConfig({});
    for (const name of RETENTION_NAMES) expect(config[name]).toBe(RETENTION_DEFAULTS[name]);
    // The defaults as measured (docs/SCALING.md: 4.83 GB at 1M MAU with these); DESIGN.md's 7 and 30 were changed
    // with that measurement, as it allows.
    expect(RETENTION_DEFAULTS).toEqual({
      RETAIN_WEBHOOK_PAYLOAD_DAYS: 3,
      RETAIN_WEBHOOK_RECORD_DAYS: 14,
      RETAIN_AUDIT_HOT_DAYS: 90,
      RETAIN_AUDIT_ARCHIVE_DAYS: 400,
      RETAIN_DELETED_TENANT_DAYS: 30,
    });
    expect(config.problems.filter((p) => p.name.startsWith('RETAIN_'))).toEqual([]);
    for (const ok of ['1', '7', '400', '3650']) expect(isRetentionDays(ok)).toBe(true);
    for (const bad of ['0', '-1', 'abc', '1e9', '7.5', ' 7', '07', '3651', '', '0x10', '١'])
      expect(isRetentionDays(bad), bad).toBe(false);
  });

  it('names an invalid value as misconfigured (never its value)', () => {
    for (const bad of ['0', '-1', 'abc', '1e9']) {
      const config = parseConfig({ RETAIN_WEBHOOK_PAYLOAD_DAYS: bad });
      expect(config.problems).toContainEqual(
        expect.objectContaining({ name: 'RETAIN_WEBHOOK_PAYLOAD_DAYS', issue: 'malformed' }),
      );
      expect(JSON.stringify(config.problems)).not.toContain(`"${bad}"`);
    }
  });

  it('refuses an archive shorter than the hot window', () => {
    const config = parseConfig({ RETAIN_AUDIT_HOT_DAYS: '90', RETAIN_AUDIT_ARCHIVE_DAYS: '30' });
    expect(config.problems.map((p) => [p.name, p.issue])).toEqual(
      expect.arrayContaining([
        ['RETAIN_AUDIT_ARCHIVE_DAYS', 'mismatched'],
        ['RETAIN_AUDIT_HOT_DAYS', 'mismatched'],
      ]),
    );
  });

  it('deletes nothing, anywhere, while any setting is invalid (0, -1, abc, 1e9)', async () => {
    const { app } = clockedApp(T0);
    await userWithSession(app, T0);
    const before = await count('select * from webhook_payloads');
    for (const [i, bad] of ['0', '-1', 'abc', '1e9'].entries()) {
      const name = RETENTION_NAMES[i % RETENTION_NAMES.length] as string;
      const status = await lifecycleAt(T0 + 1000 * DAY_MS, { [name]: bad });
      expect(status).toMatchObject({ skipped: 'misconfigured', problems: [name], archived: 0, deleted: 0 });
    }
    expect(await count('select * from webhook_payloads')).toBe(before);
    expect(await count('select * from login_audits')).toBe(1);
    expect(await count('select * from daily_active_users')).toBe(1);
  });
});
