import { describe, expect, it } from 'vitest';
import { eventTime, parseClerkEvent, toMillis } from '../../src/webhooks/clerk-event';
import { InvalidEventData } from '../../src/webhooks/effects';
import { foldEvent, SUPPORTED_EVENT_TYPES } from '../../src/webhooks/fold-event';
import { CLERK_SAMPLES } from '../helpers/webhooks';

/** Pure folding: event ⇒ effects, no HTTP, no storage. */
const sample = (type: string) => {
  const parsed = parseClerkEvent(JSON.stringify(CLERK_SAMPLES[type]));
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
};

describe('event time', () => {
  it('normalises seconds to milliseconds and keeps milliseconds', () => {
    expect(toMillis(1716883200)).toBe(1716883200000);
    expect(toMillis(1716883200123)).toBe(1716883200123);
    expect(toMillis(1716883200.9)).toBe(1716883200900);
    for (const bad of [0, -5, Number.NaN, Number.POSITIVE_INFINITY, '1716883200', null, undefined, 1e17, 9e15])
      expect(toMillis(bad)).toBeUndefined();
  });

  it('falls back to data.updated_at, then the Svix timestamp', () => {
    expect(eventTime({ type: 't', data: {}, timestamp: 1716883200 }, 1)).toBe(1716883200000);
    expect(eventTime({ type: 't', data: { updated_at: 1716883500000 } }, 1)).toBe(1716883500000);
    expect(eventTime({ type: 't', data: {} }, 1716883999)).toBe(1716883999000);
  });
});

describe('parseClerkEvent', () => {
  it.each([
    ['not JSON', '{'],
    ['an array', '[]'],
    ['a number', '42'],
    ['null', 'null'],
    ['no type', '{"data":{}}'],
    ['empty type', '{"type":"","data":{}}'],
    ['no data', '{"type":"user.created"}'],
    ['data not an object', '{"type":"user.created","data":"x"}'],
    ['timestamp not a number', '{"type":"user.created","data":{},"timestamp":"soon"}'],
  ])('refuses %s', (_, raw) => expect(parseClerkEvent(raw).ok).toBe(false));
});

describe('folds', () => {
  it("folds every one of Clerk's samples", () => {
    for (const type of Object.keys(CLERK_SAMPLES)) {
      expect(SUPPORTED_EVENT_TYPES).toContain(type);
      expect(foldEvent(sample(type), 1)?.length, type).toBeGreaterThan(0);
    }
  });

  it('user: primary email by id, display name, archive on delete', () => {
    const event = sample('user.created');
    event.data.email_addresses = [
      { id: 'idn_other', email_address: 'other@x.test' },
      { id: event.data.primary_email_address_id, email_address: 'john@x.test' },
    ];
    expect(foldEvent(event, 7)).toEqual([
      expect.objectContaining({
        kind: 'tenant.profile',
        tenantKind: 'user',
        email: 'john@x.test',
        name: 'John Doe',
        at: 7,
        isUpdate: false,
      }),
    ]);
    event.data = { id: 'user_1', first_name: null, last_name: null, username: 'jd' };
    expect(foldEvent(event, 7)?.[0]).toMatchObject({ name: 'jd', email: null });
    expect(foldEvent(sample('user.deleted'), 9)).toEqual([
      { kind: 'tenant.archive', tenantKind: 'user', id: 'user_2g7np7Hrk0SN6kj5EDMLDaKNL0S', at: 9 },
    ]);
  });

  it('session.created: IP/UA from http_request, falling back to latest_activity; MAU day from created_at', () => {
    const event = sample('session.created');
    expect(foldEvent(event, 5)).toEqual([
      {
        kind: 'session',
        sessionId: 'sess_2g7np7Hrk0SN6kj5EDMLDaKNL0S',
        userId: 'user_2g7np7Hrk0SN6kj5EDMLDaKNL0S',
        status: 'active',
        ip: '192.168.1.100',
        userAgent: expect.stringContaining('Mozilla/5.0'),
        createdAt: 1716883200000,
        at: 5,
      },
      { kind: 'daily_active', day: '2024-05-28', userId: 'user_2g7np7Hrk0SN6kj5EDMLDaKNL0S' },
    ]);
    event.event_attributes = undefined;
    (event.data.latest_activity as Record<string, unknown>).ip_address = '198.51.100.1';
    expect(foldEvent(event, 5)?.[0]).toMatchObject({ ip: '198.51.100.1', userAgent: null });
  });

  it('session end events carry status, no client data', () => {
    for (const status of ['ended', 'removed', 'revoked']) {
      expect(foldEvent(sample(`session.${status}`), 5)).toEqual([
        expect.objectContaining({ status, ip: null, userAgent: null }),
      ]);
    }
  });

  it('memberships: org, user, role, permissions; delete flag', () => {
    expect(foldEvent(sample('organizationMembership.updated'), 3)?.[0]).toMatchObject({
      kind: 'membership',
      orgId: 'org_2g7np7Hrk0SN6kj5EDMLDaKNL0S',
      userId: 'user_2h8op3Isl1QR7tKu5FGNfaLKEoU',
      role: 'org:admin',
      permissions: ['org:posts:read', 'org:posts:write', 'org:posts:delete', 'org:members:manage'],
      deleted: false,
    });
    expect(foldEvent(sample('organizationMembership.deleted'), 3)?.[0]).toMatchObject({ deleted: true });
  });

  it('unknown types fold to null; prototype keys are not types', () => {
    for (const type of ['email.created', 'constructor', '__proto__', 'toString'])
      expect(foldEvent({ type, data: {} }, 1)).toBeNull();
  });

  it('a known type with bad data throws InvalidEventData naming fields, not values', () => {
    const fold = () => foldEvent({ type: 'session.created', data: { id: 'sess_1', user_id: 42 } }, 1);
    expect(fold).toThrow(InvalidEventData);
    expect(fold).toThrow(/user_id/);
    expect(fold).not.toThrow(/42/);
  });
});
