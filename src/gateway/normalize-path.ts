/**
 * The canonical form of a request path, used both to pick a gateway route and as the path
 * forwarded to the origin, so the origin never sees segments the edge did not match.
 *
 * The URL parser (WHATWG) already resolved `.`/`..` and `%2e` dot segments. What remains
 * ambiguous between servers is refused rather than guessed: an encoded `/` or `\` (Go's
 * net/http decodes `%2F` into `r.URL.Path`), a raw `\` (some servers read it as `/`), control
 * characters and NUL, invalid percent-encoding, any dot segment left after decoding, and a segment
 * that still holds an encoded dot, slash or backslash once decoded (`%252e`: an origin that decodes
 * twice would see `..`). Empty segments (`//api`, `/api//x`) are dropped: common routers collapse them.
 */
export type NormalizedPath =
  | { ok: true /** decoded segments, for matching */; segments: string[] /** forwarded path (percent-encoding kept) */; path: string }
  | { ok: false; reason: 'encoded_separator' | 'backslash' | 'control_character' | 'bad_encoding' | 'dot_segment' | 'double_encoding' };

const ENCODED_SEPARATOR = /%(2f|5c)/i;
// C0 controls, DEL, and their percent-encoded forms.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f]|%[01][0-9a-f]|%7f/i;

export function normalizePath(pathname: string): NormalizedPath {
  if (pathname.includes('\\')) return { ok: false, reason: 'backslash' };
  if (ENCODED_SEPARATOR.test(pathname)) return { ok: false, reason: 'encoded_separator' };
  if (CONTROL.test(pathname)) return { ok: false, reason: 'control_character' };
  const raw = pathname.split('/').filter((s) => s !== '');
  const segments: string[] = [];
  for (const segment of raw) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return { ok: false, reason: 'bad_encoding' };
    }
    if (decoded === '.' || decoded === '..') return { ok: false, reason: 'dot_segment' };
    if (/%(2e|2f|5c)/i.test(decoded)) return { ok: false, reason: 'double_encoding' };
    segments.push(decoded);
  }
  const trailingSlash = pathname.endsWith('/') && raw.length > 0;
  return { ok: true, segments, path: `/${raw.join('/')}${trailingSlash ? '/' : ''}` };
}

/** Splits a configured prefix (`/api/`) into its segments (`["api"]`). */
export function prefixSegments(prefix: string): string[] {
  return prefix.split('/').filter((s) => s !== '');
}

/** True when `path` starts with every segment of `prefix` (whole segments: `/api` never matches `/apix`). */
export function startsWithSegments(path: readonly string[], prefix: readonly string[]): boolean {
  return prefix.length <= path.length && prefix.every((s, i) => path[i] === s);
}
