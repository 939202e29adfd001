/**
 * The value parsers of configuration variables (src/config/variables.ts). Each receives the variable's
 * trimmed, non-empty text (an empty or absent variable is unset, and gets its default) and returns the
 * parsed value or `invalid(hint)`. The hint names what is expected, never the value.
 */

export class Invalid {
  constructor(readonly hint: string) {}
}
export const invalid = (hint: string) => new Invalid(hint);

export type Parser<T> = (text: string) => T | Invalid;

/** Any text, as written (trimmed). */
export const text: Parser<string> = (v) => v;

/** Text that passes `test`, else `message`. */
export function matching(test: (v: string) => boolean, message: string): Parser<string> {
  return (v) => (test(v) ? v : invalid(message));
}

/** One of `values`. */
export function oneOf<const T extends string>(values: readonly T[], message: string): Parser<T> {
  return (v) => ((values as readonly string[]).includes(v) ? (v as T) : invalid(message));
}

/** Comma-separated items (trimmed, empty ones dropped), each passing `test` when given. */
export function list(test?: (item: string) => boolean, message = 'invalid item'): Parser<string[]> {
  return (v) => {
    const items = v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    return test && !items.every(test) ? invalid(message) : items;
  };
}

/** An http(s) URL, without trailing slashes (paths are appended to it). */
export const httpUrl: Parser<string> = (v) =>
  isHttpUrl(v) ? v.replace(/\/+$/, '') : invalid('must be an http(s) URL');

/** A whole number from `min` to `max` (digits only: no sign, no exponent, no leading zero). */
export function wholeNumber(max: number, message: string, min = 1): Parser<number> {
  return (v) => {
    const n = /^[1-9][0-9]*$/.test(v) ? Number(v) : Number.NaN;
    return n >= min && n <= max ? n : invalid(message);
  };
}

export function isHttpUrl(v: string): boolean {
  return URL.canParse(v) && /^https?:$/.test(new URL(v).protocol);
}

/** A serialized origin exactly as a browser sends it in `Origin` (no path, no trailing slash). */
export function isOrigin(v: string): boolean {
  return isHttpUrl(v) && new URL(v).origin === v;
}

/** `whsec_` + padded base64, as svix's `Webhook` constructor decodes it (it throws otherwise). */
export function isSvixSecret(v: string): boolean {
  const b64 = v.startsWith('whsec_') ? v.slice(6) : '';
  if (b64.length === 0 || b64.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return false;
  try {
    return atob(b64).length > 0;
  } catch {
    return false;
  }
}
