/**
 * A unique id with a Clerk-style prefix (`user`, `org`, `sess`, `msg`, …), so tests never share rows: D1 and KV
 * are fresh per file (test/setup.ts), not per test. The one id helper of the suite.
 */
export const uid = (prefix: string) => `${prefix}_${crypto.randomUUID().replaceAll('-', '').slice(0, 20)}`;
