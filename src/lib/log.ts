/**
 * Structured JSON logging that cannot print a secret: every field passes through
 * `redact`, which drops values under sensitive keys and masks anything shaped
 * like a Clerk key, a webhook secret, a bearer token, a JWT or an opaque machine token.
 */
type Level = 'debug' | 'info' | 'warn' | 'error';

const SENSITIVE_KEY = /secret|token|authorization|cookie|password|jwt_?key|private|signature|session_?cookie|^key$/i;
const SENSITIVE_VALUE = [
  /\b(sk|pk)_(test|live)_[A-Za-z0-9+/=_-]+/g, // Clerk API keys
  /\bwhsec_[A-Za-z0-9+/=]+/g, // Svix signing secrets
  /\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.?[A-Za-z0-9_-]*/g, // JWTs / JWS
  /\bBearer(\s|%20)+\S+/gi, // also percent-encoded, as in a logged URL
  /\b(ak|mt|oat)_[A-Za-z0-9_-]{16,}/g, // Clerk's opaque machine tokens: API keys, M2M and OAuth access tokens
  /-----BEGIN [A-Z ]+-----[\s\S]*?(-----END [A-Z ]+-----|$)/g, // PEM blocks
];
// Every pattern above starts with one of these literals, so a string without any of them has nothing to mask
// (most logged values: ids, paths, statuses); it skips the replaces.
const SECRET_HINT = /[sp]k_(?:test|live)_|whsec_|eyJ|bearer(?:\s|%20)|ak_|mt_|oat_|-----BEGIN /i;

export const REDACTED = '[redacted]';

/** Returns a deep copy of `value` that is safe to log. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6) return '[depth]';
  if (typeof value === 'string') {
    let out = value.length > 2000 ? `${value.slice(0, 2000)}…` : value;
    if (!SECRET_HINT.test(out)) return out;
    for (const pattern of SENSITIVE_VALUE) out = out.replace(pattern, REDACTED);
    return out;
  }
  if (value instanceof Error) {
    return {
      name: value.name,
      message: redact(value.message, depth + 1),
      cause: value.cause === undefined ? undefined : redact(value.cause, depth + 1),
    };
  }
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => redact(v, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SENSITIVE_KEY.test(k) ? REDACTED : redact(v, depth + 1);
    return out;
  }
  return value;
}

export type LogFields = Record<string, unknown>;

/** The logger's shape, for injection (`createServices({ log })`). */
export type Logger = (level: Level, event: string, fields?: LogFields) => void;

/** Writes one JSON line. `event` is a stable machine-readable name. */
export function log(level: Level, event: string, fields: LogFields = {}): void {
  const line = JSON.stringify({ level, event, time: new Date().toISOString(), ...(redact(fields) as LogFields) });
  if (level === 'error') console.error(line);
  else if (level === 'warn') console.warn(line);
  else console.log(line);
}
