import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig, problemsFor } from '../../src/env';

const valid = {
  CLERK_SECRET_KEY: 'sk_test_abc',
  CLERK_PUBLISHABLE_KEY: 'pk_test_ZnVsY3J1bS5jbGVyay5hY2NvdW50cy5kZXYk',
};

describe('parseConfig', () => {
  it('applies defaults', () => {
    const c = parseConfig(valid);
    expect(c.problems).toEqual([]);
    expect(c.CLERK_API_URL).toBe('https://api.clerk.com');
    expect(c.CLERK_SIGN_IN_URL).toBe('/sign-in');
    expect(c.CLERK_SIGN_UP_URL).toBe('/sign-up');
    expect(c.CLERK_AUTHORIZED_PARTIES).toEqual([]);
  });

  it('splits lists and trims trailing slashes', () => {
    const c = parseConfig({
      ...valid,
      CLERK_AUTHORIZED_PARTIES: ' https://a.test, ,https://b.test ',
      ADMIN_USER_IDS: 'user_1,user_2',
      CLERK_API_URL: 'http://127.0.0.1:9999/',
    });
    expect(c.CLERK_AUTHORIZED_PARTIES).toEqual(['https://a.test', 'https://b.test']);
    expect(c.ADMIN_USER_IDS).toEqual(['user_1', 'user_2']);
    expect(c.CLERK_API_URL).toBe('http://127.0.0.1:9999');
  });

  it('names missing and malformed variables, never their values', () => {
    const c = parseConfig({
      CLERK_PUBLISHABLE_KEY: 'nope-secret',
      CLERK_API_URL: 'ftp://x',
      CLERK_WEBHOOK_SIGNING_SECRET: 'plain',
    });
    const names = c.problems.map((p) => `${p.name}:${p.issue}`).sort();
    expect(names).toEqual([
      'CLERK_API_URL:malformed',
      'CLERK_PUBLISHABLE_KEY:malformed',
      'CLERK_SECRET_KEY:missing',
      'CLERK_WEBHOOK_SIGNING_SECRET:malformed',
    ]);
    expect(JSON.stringify(c.problems)).not.toContain('nope-secret');
    expect(problemsFor(c, ['CLERK_WEBHOOK_SIGNING_SECRET']).map((p) => p.name)).toEqual([
      'CLERK_WEBHOOK_SIGNING_SECRET',
    ]);
  });

  it('accepts only a webhook secret svix can decode', () => {
    for (const bad of ['whsec_abc', 'whsec_', 'whsec_====', 'whsec_ab!c', 'dGVzdA==']) {
      expect(
        problemsFor(parseConfig({ ...valid, CLERK_WEBHOOK_SIGNING_SECRET: bad }), ['CLERK_WEBHOOK_SIGNING_SECRET']),
        bad,
      ).toEqual([
        { name: 'CLERK_WEBHOOK_SIGNING_SECRET', issue: 'malformed', hint: 'must be whsec_ followed by base64' },
      ]);
    }
    expect(parseConfig({ ...valid, CLERK_WEBHOOK_SIGNING_SECRET: 'whsec_dGVzdA==' }).problems).toEqual([]);
  });

  it('treats empty strings as unset', () => {
    const c = parseConfig({ ...valid, CLERK_JWT_KEY: '  ', CLERK_WEBHOOK_SIGNING_SECRET: '' });
    expect(c.CLERK_JWT_KEY).toBeUndefined();
    expect(problemsFor(c, ['CLERK_WEBHOOK_SIGNING_SECRET'])).toEqual([
      { name: 'CLERK_WEBHOOK_SIGNING_SECRET', issue: 'missing' },
    ]);
  });

  it('never throws and never echoes a value, whatever the input', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.constantFrom(...Object.keys(valid), 'CLERK_API_URL', 'CLERK_JWT_KEY', 'ADMIN_USER_IDS'),
          fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
        ),
        (raw) => {
          const c = parseConfig(raw);
          for (const p of c.problems)
            expect(Object.keys(p).sort()).toEqual(p.hint ? ['hint', 'issue', 'name'] : ['issue', 'name']);
        },
      ),
    );
  });
});
