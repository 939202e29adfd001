import type { AuthContext, SessionAuthContext } from '../../src/auth/types';

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
