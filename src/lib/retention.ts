import { DAY_MS } from './utc-day';

/**
 * The five retention settings (DESIGN.md "Data lifecycle"), whole days. The defaults come from the
 * capacity goal (D1 at most half its 10 GB cap at 1M MAU, docs/SCALING.md); change one with the
 * measurement that justifies it.
 */
export const RETENTION_DEFAULTS = {
  /**
   * A processed or ignored event's payload is dropped this long after receipt (its record stays). 3, not DESIGN.md's
   * first 7, and records 14, not 30: with 90 days of audits these bring 1M MAU under 5 GB (docs/SCALING.md).
   */
  RETAIN_WEBHOOK_PAYLOAD_DAYS: 3,
  /** Then the record goes; a failed event keeps its payload until replayed or this age, then is archived. */
  RETAIN_WEBHOOK_RECORD_DAYS: 14,
  /** Login audits older than this move to ARCHIVE and leave D1. */
  RETAIN_AUDIT_HOT_DAYS: 90,
  /** Archived audits older than this (by the audit's time) are deleted from ARCHIVE. */
  RETAIN_AUDIT_ARCHIVE_DAYS: 400,
  /** A deleted tenant's archive is deleted from ARCHIVE this long after its erasure. */
  RETAIN_DELETED_TENANT_DAYS: 30,
} as const;

export type RetentionName = keyof typeof RETENTION_DEFAULTS;
export type Retention = Record<RetentionName, number>;
export const RETENTION_NAMES = Object.keys(RETENTION_DEFAULTS) as RetentionName[];

/** Ten years: a larger value is a typo (or `1e9`), not a policy. */
export const MAX_RETENTION_DAYS = 3650;

/** A whole number of days, 1 to MAX_RETENTION_DAYS, written plainly (`0`, `-1`, `abc`, `1e9`, `7.5` are not). */
export function isRetentionDays(v: string): boolean {
  return /^[1-9][0-9]{0,3}$/.test(v) && Number(v) <= MAX_RETENTION_DAYS;
}

export const RETENTION_HINT = `must be a whole number of days, 1–${MAX_RETENTION_DAYS}`;

/** Settings that are valid one by one but contradict each other (the names and why). */
export function retentionConflicts(r: Retention): { names: RetentionName[]; hint: string }[] {
  if (r.RETAIN_AUDIT_ARCHIVE_DAYS >= r.RETAIN_AUDIT_HOT_DAYS) return [];
  return [
    {
      names: ['RETAIN_AUDIT_ARCHIVE_DAYS', 'RETAIN_AUDIT_HOT_DAYS'],
      hint: 'RETAIN_AUDIT_ARCHIVE_DAYS (total life of an audit) must be at least RETAIN_AUDIT_HOT_DAYS',
    },
  ];
}

/** The times before which each rule applies, at `now` (ms since the epoch). */
export type Cutoffs = {
  payload: number;
  record: number;
  auditHot: number;
  auditArchive: number;
  deletedTenant: number;
};

export function cutoffsAt(r: Retention, now: number): Cutoffs {
  return {
    payload: now - r.RETAIN_WEBHOOK_PAYLOAD_DAYS * DAY_MS,
    record: now - r.RETAIN_WEBHOOK_RECORD_DAYS * DAY_MS,
    auditHot: now - r.RETAIN_AUDIT_HOT_DAYS * DAY_MS,
    auditArchive: now - r.RETAIN_AUDIT_ARCHIVE_DAYS * DAY_MS,
    deletedTenant: now - r.RETAIN_DELETED_TENANT_DAYS * DAY_MS,
  };
}
