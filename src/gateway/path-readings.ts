import { type NormalizedPath, normalizePath, type PathRefusal } from './normalize-path';
import { type GatewayRoute, matchRoute, type RouteMatch, type RouteTable } from './route-table';

/**
 * The ways common origin stacks read a path other than literally, each with the refusal it earns when it matters:
 * decoding again (an origin that decodes twice: `%2520` ⇒ ` `, `%253B` ⇒ `;`, `%25EF%25BD%2589` ⇒ `ｉ`), stripping
 * `;` path parameters (Tomcat, Jetty, Spring: `/public/..;/api/x` ⇒ `/api/x`), NFKC (a full-width `ｉ` read as `i`)
 * and trimming a segment's trailing dots and spaces (IIS: `inner.` and `inner%20` ⇒ `inner`). Every reading is also
 * lowercased (Express, ASP.NET): prefixes already match without regard to case, so case alone never matters.
 */
const READINGS = ['double_encoding', 'path_parameter', 'unicode_normalization', 'trailing_dot_or_space'] as const;
type Reading = (typeof READINGS)[number];

// Anything one of the readings could change, in the raw (still encoded) path: a `;` or `%3B`; a `%25` (an encoded
// `%`, decoded again by some origins); an encoded non-ASCII byte; a segment ending in a dot or a space.
const MAY_READ_OTHERWISE = /;|%3b|%25|%[89a-f][0-9a-f]|(?:\.|%2e|%20)(?:\/|$)/i;
const ESCAPE = /%[0-9a-f]{2}/i;

/** A route match and the canonical path, or a refusal when an origin's reading of the path meets another policy. */
export type Located = { path: NormalizedPath; match: RouteMatch };

/**
 * Normalises `pathname` (`normalizePath`), matches it (`matchRoute`), and refuses it (400) only when the path is
 * forwarded and another reading of it (`READINGS`, alone or together) meets another route policy, an edge-owned
 * path, or no route at all: then an origin reading it that way would serve it under a policy the edge did not
 * apply. A path no reading moves is forwarded as sent, whatever it holds (`/files/cafe%CC%81` in NFD, full-width
 * brackets, `/companies/Acme%20Inc.`, `/dns/example.com.`); so are paths the edge answers itself (its router
 * reads them literally). Only the segments up to the deepest prefix can change a match (through a `..` a later
 * one can reach back; comparing the matches covers it).
 */
export function locatePath(table: RouteTable, pathname: string): Located {
  const path = normalizePath(pathname);
  if (!path.ok) return { path, match: { kind: 'none' } };
  const match = matchRoute(table, path.value.segments);
  if (match.kind !== 'route' || !MAY_READ_OTHERWISE.test(pathname)) return { path, match };
  const refusal = otherReading(table, path.value.segments, policyKey(match));
  return refusal === null ? { path, match } : { path: { ok: false, error: refusal }, match: { kind: 'none' } };
}

/** The first reading (single readings first, then combinations) whose match has another policy; null if none. */
function otherReading(table: RouteTable, segments: readonly string[], literal: string): PathRefusal | null {
  for (const mask of MASKS) {
    const used = READINGS.filter((_, i) => mask & (1 << i));
    const read = readAs(segments, used);
    // A reading the edge cannot make (an escape that decodes to no text) is one it cannot vouch for: refused.
    if (read === null || policyKey(matchRoute(table, read)) !== literal) return used[0] ?? null;
  }
  return null;
}

// Every non-empty combination of the readings, the single ones first.
const MASKS = Array.from({ length: (1 << READINGS.length) - 1 }, (_, i) => i + 1).sort(
  (a, b) => bitCount(a) - bitCount(b) || a - b,
);

function bitCount(n: number): number {
  return n.toString(2).replaceAll('0', '').length;
}

/**
 * The segments as an origin applying `readings` sees them: dot segments resolved, empty ones dropped, lowercased;
 * null when decoding again meets escapes that decode to no text (an origin with a lax decoder may read anything).
 */
export function readAs(segments: readonly string[], readings: readonly Reading[]): string[] | null {
  const trailing = readings.includes('trailing_dot_or_space');
  const decoded: string[] = [];
  for (const s of segments) {
    let out: string | null = s;
    if (readings.includes('double_encoding')) out = decodeAgain(out);
    if (out === null) return null;
    if (readings.includes('path_parameter')) out = out.split(';')[0] ?? '';
    if (readings.includes('unicode_normalization')) out = out.normalize('NFKC');
    decoded.push(out);
  }
  // Decoding and NFKC can yield a separator (`%252F`, a full-width `／` or `＼`).
  const parts = decoded.flatMap((s) => s.split(/[/\\]/));
  const out: string[] = [];
  for (const part of parts) {
    // Trimming trailing dots and spaces comes first: `.. ` and `..%20` are `..` to such an origin.
    const read = trailing ? trimmedSegment(part) : part;
    if (read === '..') out.pop();
    else if (read !== '.' && read !== '') out.push(read.toLowerCase());
  }
  return out;
}

/** A segment as an origin trimming trailing dots and spaces reads it (a dot segment stays one). */
function trimmedSegment(part: string): string {
  if (/^\.\.[. ]*$/.test(part)) return '..';
  if (/^\. *$/.test(part)) return '.';
  return part.replace(/[. ]+$/, '');
}

/**
 * Percent-decodes until nothing changes (at most 4 rounds), each run of escapes on its own, so an invalid escape
 * (`%ZZ`) beside valid ones stops nothing; null when a run of valid escapes is no UTF-8 (`%C0%AE`).
 */
function decodeAgain(segment: string): string | null {
  let out = segment;
  for (let i = 0; i < 4 && ESCAPE.test(out); i++) {
    let failed = false;
    const next = out.replace(/(?:%[0-9a-f]{2})+/gi, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        failed = true;
        return run;
      }
    });
    if (failed) return null;
    if (next === out) break;
    out = next;
  }
  return out;
}

const keys = new WeakMap<GatewayRoute, string>();

/** What a match does to a request: one key per route policy (its fields but the prefix), broken entry, or none. */
export function policyKey(match: RouteMatch): string {
  if (match.kind === 'none') return 'none';
  if (match.kind === 'broken') return `broken:${match.problem.index}`;
  let key = keys.get(match.route);
  if (key === undefined) {
    const { prefix: _prefix, segments: _segments, ...policy } = match.route;
    key = `route:${JSON.stringify(policy)}`;
    keys.set(match.route, key);
  }
  return key;
}
