import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { mintSessionToken, TEST_KID } from './tokens';

describe('test token helper', () => {
  it('mints a Clerk-shaped RS256 token that verifies with CLERK_JWT_KEY', async () => {
    const token = await mintSessionToken({
      userId: 'user_a',
      sessionId: 'sess_a',
      org: { id: 'org_1', role: 'org:admin' },
    });
    const [h, p, s] = token.split('.') as [string, string, string];
    const header = JSON.parse(atob(h.replace(/-/g, '+').replace(/_/g, '/')));
    expect(header).toMatchObject({ alg: 'RS256', kid: TEST_KID, cat: 'cl_B7d4PD111AAA' });
    const pem = env.CLERK_JWT_KEY.replace(/-----[A-Z ]+-----|\s/g, '');
    const der = Uint8Array.from(atob(pem), (c) => c.charCodeAt(0));
    const key = await crypto.subtle.importKey('spki', der, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, [
      'verify',
    ]);
    const sig = Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
    expect(await crypto.subtle.verify('RSASSA-PKCS1-v1_5', key, sig, new TextEncoder().encode(`${h}.${p}`))).toBe(true);
  });
});
