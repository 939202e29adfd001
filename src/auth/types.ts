/** Clerk's token type names (`TokenType` in @clerk/backend). */
export type TokenType = 'session_token' | 'api_key' | 'm2m_token' | 'oauth_token';

/**
 * The authenticated caller, returned by `authenticate()` and set as `c.var.auth` on `/v1/*`.
 * Shaped like Clerk's auth objects: session fields are null for machine tokens and machine fields
 * are null for sessions.
 */
export type AuthContext = {
  tokenType: TokenType;
  /** The user id (session), machine id (M2M) or the API key's / OAuth token's subject. */
  subject: string;
  userId: string | null;
  sessionId: string | null;
  orgId: string | null;
  orgRole: string | null;
  orgPermissions: string[];
  /** Minutes since the first and second factor were verified (`fva`); -1 when never. Null when absent. */
  factorVerificationAge: [number, number] | null;
  machineId: string | null;
  scopes: string[];
  clientId: string | null;
  claims: Record<string, unknown>;
  /** When the credential expires (epoch seconds); the gateway caps its assertion's `exp` with it. */
  expiresAt: number;
};

/** A verified session token's caller (`userId` and `sessionId` are always set). */
export type SessionAuthContext = AuthContext & { tokenType: 'session_token'; userId: string; sessionId: string };

declare module '../env' {
  interface Variables {
    auth: AuthContext;
  }
}
