// Soak: mixed valid, invalid and webhook traffic; D1 counts afterwards.
import { expect } from 'vitest';
import { userCreated } from '../support/clerk-events.ts';
import { check, deliver, drillRow, pool, QUICK } from '../support/drill.ts';

const TOTAL = QUICK ? 4000 : 20_000;
// A bound, not a speed goal: 20,000 requests take ~1.5 min on a quiet 2-core machine, far longer on a busy one.
const SOAK_BOUND = { timeoutMs: 15 * 60_000 };
type Request =
  | { kind: 'valid' | 'invalid'; token: string; ip?: string }
  | { kind: 'webhook'; id: string; event: object };

drillRow('soak', ({ clerk, service }) => {
  const sent = new Set<number>();

  check(
    'soak statuses',
    `${TOTAL} mixed requests, no unexpected status (a refused token 401, or 429 past the global failure budget)`,
    async (observe) => {
      await service.boot({ fresh: true });
      const t0 = Date.now();
      const valid = Array.from({ length: 5 }, (_, i) => clerk.mint({ userId: `user_soak_${i}`, ttl: 3600 }));
      const invalid = `${valid[0]?.slice(0, -6)}AAAAAA`;
      const mix: Request[] = [];
      for (let i = 0; i < TOTAL; i++) {
        const r = i % 10;
        if (r < 5) mix.push({ kind: 'valid', token: valid[i % valid.length] ?? '' });
        // Refused tokens come from many clients (≤ 16 each per run), so AUTH_FAILURE_LIMITER (100 / 60 s per IP)
        // never trips; AUTH_FAILURE_GLOBAL_LIMITER (1,000 / 60 s, all clients) does in the full soak (4,000 refused
        // tokens in about two minutes), and its 429 is then the expected answer: the limiters have their own tests.
        else if (r < 7) mix.push({ kind: 'invalid', token: invalid, ip: `198.51.100.${i % 250}` });
        else {
          const n = Math.floor(i / 10) % Math.max(1, Math.floor(TOTAL / 40));
          sent.add(n);
          mix.push({ kind: 'webhook', id: `msg_soak_${n}`, event: userCreated(`user_soakwh_${n}`, t0 + n) });
        }
      }
      const started = Date.now();
      const statuses = await pool(mix, 16, async (m): Promise<[string, number]> => {
        if (m.kind === 'webhook') return [m.kind, await deliver(service, m.id, m.event)];
        return [m.kind, (await service.get('/v1/me', m.token, m.ip ? { 'cf-connecting-ip': m.ip } : {})).status];
      });
      const expected: Record<string, number[]> = { valid: [200], invalid: [401, 429], webhook: [200] };
      const unexpected = statuses.filter(([kind, status]) => !expected[kind]?.includes(status));
      const limited = statuses.filter(([kind, status]) => kind === 'invalid' && status === 429).length;
      const seconds = (Date.now() - started) / 1000;
      const rate = (TOTAL / seconds).toFixed(0);
      observe(
        `${unexpected.length} unexpected ${JSON.stringify(unexpected.slice(0, 3))}; ${rate} req/s; ` +
          `refused tokens past the global failure budget (429): ${limited}`,
      );
      expect(unexpected).toEqual([]);
    },
    SOAK_BOUND,
  );

  check('soak D1 counts', `${TOTAL / 40} tenants and events (duplicates folded)`, async (observe) => {
    const tenants = await service.d1Count("select count(*) from tenants where id like 'user_soakwh_%'");
    const events = await service.d1Count("select count(*) from webhook_events where svix_id like 'msg_soak_%'");
    observe(`${tenants} tenants, ${events} events`);
    expect([tenants, events]).toEqual([sent.size, sent.size]);
  });
});
