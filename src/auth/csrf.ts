/** Methods that must not change state (RFC 9110 §9.2.1): never subject to the CSRF rule. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The CSRF rule for cookie-authenticated requests (OWASP "Verifying Origin With Standard Headers";
 * Fetch Metadata): a browser attaches the `__session` cookie to cross-site requests too (SameSite=Lax
 * still lets same-site subdomains through), so the cookie alone does not prove which page asked. An
 * unsafe method is allowed only when the browser says where it came from:
 * - `Origin` present: it must be exactly one of `authorizedParties` (the same list `azp` is checked
 *   against); `Origin: null` (sandboxed frames, privacy redirects) is refused;
 * - `Origin` absent: only `Sec-Fetch-Site: same-origin` (a page of this very origin) is accepted.
 * Bearer requests never reach this check: a script must have read the token to send it.
 * Pure, so the gateway applies the same rule through the same authentication path.
 */
export function isCsrfSafe(method: string, headers: Headers, authorizedParties: readonly string[]): boolean {
  if (SAFE_METHODS.has(method.toUpperCase())) return true;
  const origin = headers.get('origin');
  if (origin !== null) return authorizedParties.includes(origin);
  return headers.get('sec-fetch-site') === 'same-origin';
}
