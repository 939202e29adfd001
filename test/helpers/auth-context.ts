import type { AuthContext, SessionAuthContext } from '../../src/auth/types';
import { uid } from './ids';

/** A session caller's AuthContext as the verifier builds it (machine fields null), with overrides. */
export function sessionAuthContext(userId: string, overrides: Partial<AuthContext> = {}): AuthContext {
  const base: SessionAuthContext = {
    tokenType: 'session_token',
    subject: userId,
    userId,
    sessionId: `sess_${userId}`,
    orgId: null,
    orgRole: null,
    orgPermissions: [],
    factorVerificationAge: null,
    machineId: null,
    scopes: [],
    clientId: null,
    claims: {},
    expiresAt: Math.floor(Date.now() / 1000) + 60,
  };
  return { ...base, ...overrides };
}

/** A signed-in session caller with a fresh session id and a second factor just verified (admin routes need it). */
export function authFor(userId: string, overrides: Partial<AuthContext> = {}): AuthContext {
  return sessionAuthContext(userId, { sessionId: uid('sess'), factorVerificationAge: [1, -1], ...overrides });
}
