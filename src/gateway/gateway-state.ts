import type { Config } from '../env';
import { AppError } from '../errors';
import { OriginHealth } from './origin-health';
import { parseRouteTable, type RouteTable } from './route-table';
import { type EdgeKeys, type KeyProblem, loadEdgeKeys } from './signing-keys';

type SigningKeyConfig = Pick<Config, 'EDGE_SIGNING_KEY' | 'EDGE_SIGNING_KEY_PREVIOUS'>;

/**
 * The gateway's per-isolate state (`services.gateway`, built by the composition root): the parsed
 * route table and the imported signing keys, each built once per configuration value (a test's or
 * a rotated secret's new value gets its own). Bounded, so configurations seen over an isolate's
 * life cannot grow it without limit.
 */
export class GatewayState {
  private readonly tables = new Map<string, RouteTable>();
  private readonly keySets = new Map<string, Promise<EdgeKeys | KeyProblem[]>>();

  /** The origin as this isolate last probed it (readiness, ORIGIN_HEALTH_PATH). */
  readonly originHealth: OriginHealth;

  constructor(
    now: () => number = Date.now,
    private readonly maxEntries = 8,
  ) {
    this.originHealth = new OriginHealth(now);
  }

  /** GATEWAY_ROUTES (its JSON text, as the parsed configuration holds it). */
  routes({ GATEWAY_ROUTES: raw }: Pick<Config, 'GATEWAY_ROUTES'>): RouteTable {
    return this.memo(this.tables, raw, () => parseRouteTable(raw));
  }

  keys(config: SigningKeyConfig): Promise<EdgeKeys | KeyProblem[]> {
    const { EDGE_SIGNING_KEY: current, EDGE_SIGNING_KEY_PREVIOUS: previous } = config;
    return this.memo(this.keySets, `${current ?? ''}\n${previous ?? ''}`, () => loadEdgeKeys(current, previous));
  }

  /** The signing keys, else 503 `misconfigured` naming the unusable variables (the problems only logged). */
  async usableKeys(config: SigningKeyConfig): Promise<EdgeKeys> {
    const keys = await this.keys(config);
    if (!Array.isArray(keys)) return keys;
    throw new AppError('misconfigured', { detail: { problems: keys }, extra: { missing: keys.map((p) => p.name) } });
  }

  private memo<T>(map: Map<string, T>, id: string, build: () => T): T {
    const hit = map.get(id);
    if (hit !== undefined) return hit;
    if (map.size >= this.maxEntries) map.clear();
    const value = build();
    map.set(id, value);
    return value;
  }
}
