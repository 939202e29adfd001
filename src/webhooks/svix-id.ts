/**
 * A `svix-id` as the webhook route accepts it (stricter than Svix: short, PK-safe) and, being the
 * same pattern, as the admin replay accepts it: every stored event can be replayed.
 */
export const SVIX_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;
