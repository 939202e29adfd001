/**
 * The authenticated caller, set as `c.var.auth` by the session middleware on `/v1/*`.
 * Built only from a verified Clerk session token.
 */
export type AuthContext = {
  userId: string;
  sessionId: string;
  orgId: string | null;
  orgRole: string | null;
  orgPermissions: string[];
  /** Minutes since the first and second factor were verified (`fva`); -1 when never. Null when absent. */
  factorVerificationAge: [number, number] | null;
  claims: Record<string, unknown>;
};

declare module '../env' {
  interface Variables {
    auth: AuthContext;
  }
}
