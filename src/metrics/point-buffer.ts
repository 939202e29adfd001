import type { RequestOutcome } from './data-point';

/** A recorded outcome with its time (ms since the epoch). */
export type BufferedPoint = RequestOutcome & { t: number };

/**
 * The newest `capacity` outcomes of this isolate, oldest overwritten first: what `GET /v1/admin/metrics`
 * reads when Analytics Engine's SQL API is not configured (development). Fixed memory whatever the traffic.
 */
export class PointBuffer {
  private readonly slots: (BufferedPoint | undefined)[];
  private next = 0;
  private count = 0;

  constructor(readonly capacity = 10_000) {
    this.slots = new Array(capacity);
  }

  push(point: BufferedPoint): void {
    this.slots[this.next] = point;
    this.next = (this.next + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  get size(): number {
    return this.count;
  }

  /** The buffered points, oldest first. */
  points(): BufferedPoint[] {
    const out: BufferedPoint[] = [];
    const start = (this.next - this.count + this.capacity) % this.capacity;
    for (let i = 0; i < this.count; i++) {
      const p = this.slots[(start + i) % this.capacity];
      if (p) out.push(p);
    }
    return out;
  }
}
