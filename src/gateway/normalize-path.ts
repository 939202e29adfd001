import { err, ok, type Result } from '../lib/result';

/** A path as the edge matches and forwards it. */
export type CanonicalPath = {
  /** Decoded segments, for matching. */
  segments: string[];
  /** The forwarded path (percent-encoding kept). */
  path: string;
};

/**
 * Why a path is refused (400): each is a reading on which servers disagree. The last four are refused only when that
 * reading meets another route policy than the literal path (path-readings.ts); the others always.
 */
export type PathRefusal =
  | 'encoded_separator' // %2F, %5C
  | 'backslash'
  | 'control_character' // C0, DEL, NUL, raw or encoded
  | 'bad_encoding' // invalid percent-encoding
  | 'dot_segment' // `.` or `..` left after decoding
  | 'double_encoding' // %252e, %252f, %255c always; %2520, %253B, %25EF… when decoding again meets another policy
  | 'path_parameter' // `;` (raw or %3B): Tomcat, Jetty and Spring strip `;params` from a segment
  | 'trailing_dot_or_space' // IIS trims a segment's trailing dots and spaces (`inner.`, `inner%20`)
  | 'unicode_normalization'; // non-ASCII whose NFKC form differs (`%EF%BD%89nner` ⇒ `inner` for some stacks)

/**
 * The canonical form of a request path, used both to pick a gateway route and as the path
 * forwarded to the origin, so the origin never sees segments the edge did not match.
 *
 * The URL parser (WHATWG) already resolved `.`/`..` and `%2e` dot segments. What remains
 * ambiguous between servers is refused rather than guessed: an encoded `/` or `\` (Go's
 * net/http decodes `%2F` into `r.URL.Path`), a raw `\` (some servers read it as `/`), control
 * characters and NUL, invalid percent-encoding, any dot segment left after decoding, and a segment
 * that still holds an encoded dot, slash or backslash once decoded (`%252e`: an origin that decodes
 * twice would see `..`). What common origin stacks read as another path (a `;` path parameter, a segment ending in
 * a dot or space, non-ASCII whose NFKC form differs, a `%25` decoded again) is refused by `locatePath`
 * (path-readings.ts) only where that reading meets another route policy. Empty segments (`//api`, `/api//x`)
 * are dropped: common routers collapse them. Prefixes match without regard to ASCII case (`startsWithSegments`):
 * Express, ASP.NET and others route `/PUBLIC/INNER` as `/public/inner`.
 */
export type NormalizedPath = Result<CanonicalPath, PathRefusal>;

const ENCODED_SEPARATOR = /%(2f|5c)/i;
// C0 controls, DEL, and their percent-encoded forms.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f]|%[01][0-9a-f]|%7f/i;

export function normalizePath(pathname: string): NormalizedPath {
  if (pathname.includes('\\')) return err('backslash');
  if (ENCODED_SEPARATOR.test(pathname)) return err('encoded_separator');
  if (CONTROL.test(pathname)) return err('control_character');
  const raw = pathname.split('/').filter((s) => s !== '');
  const segments: string[] = [];
  for (const segment of raw) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return err('bad_encoding');
    }
    if (decoded === '.' || decoded === '..') return err('dot_segment');
    if (/%(2e|2f|5c)/i.test(decoded)) return err('double_encoding');
    segments.push(decoded);
  }
  const trailingSlash = pathname.endsWith('/') && raw.length > 0;
  return ok({ segments, path: `/${raw.join('/')}${trailingSlash ? '/' : ''}` });
}

/** Splits a configured prefix (`/api/`) into its segments (`["api"]`). */
export function prefixSegments(prefix: string): string[] {
  return prefix.split('/').filter((s) => s !== '');
}

/**
 * True when `path` starts with every segment of `prefix`: whole segments (`/api` never matches `/apix`), without
 * regard to case (a case-insensitive origin router reads `/API/x` as `/api/x`, so it must meet `/api/`'s policy).
 */
export function startsWithSegments(path: readonly string[], prefix: readonly string[]): boolean {
  return prefix.length <= path.length && prefix.every((s, i) => sameSegment(path[i], s));
}

/** Segments equal without regard to case (only lowercase them when they differ: the common case costs nothing). */
function sameSegment(a: string | undefined, b: string): boolean {
  return a === b || (a !== undefined && a.length === b.length && a.toLowerCase() === b.toLowerCase());
}
