/**
 * The services' clock with a shift that only a test can set: the drill moves the service past a
 * refresh cooldown or a cache lifetime instead of sleeping through it. The shift starts at 0 and
 * only grows; nothing in production can set it (see `testClockRoutes` in src/http/test-clock-routes.ts).
 */
export class TestClock {
  private offsetMs = 0;
  constructor(private readonly base: () => number) {}
  readonly now = (): number => this.base() + this.offsetMs;
  advance(ms: number): number {
    this.offsetMs += ms;
    return this.offsetMs;
  }
}
