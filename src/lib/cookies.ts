/**
 * THE reading of a `Cookie` header, used both by the edge (its own `__session` and `__client_uat`) and by
 * the gateway's credential filter, so what the edge reads and what it forwards never differ. Pairs are
 * split on `;` and on `,`: a client sending two `Cookie` fields arrives with them joined by `, ` (workerd,
 * as Fetch's Headers), and a cookie value cannot contain `,` (RFC 6265 §4.1.1 cookie-octet).
 */
export function cookiePairs(header: string): { name: string; value: string; pair: string }[] {
  const out: { name: string; value: string; pair: string }[] = [];
  for (const raw of header.split(/[;,]/)) {
    const pair = raw.trim();
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = (eq < 0 ? pair : pair.slice(0, eq)).trim();
    let value = eq < 0 ? '' : pair.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    out.push({ name, value, pair });
  }
  return out;
}

/** The first cookie named `name` in the header (undefined when none, or when it is empty). */
export function readCookie(header: string | null | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const c of cookiePairs(header)) if (c.name === name) return c.value === '' ? undefined : c.value;
  return undefined;
}
