/**
 * The render budget: how many renders may start. Two Workers rate-limiting bindings
 * (https://developers.cloudflare.com/workers/runtime-apis/bindings/rate-limit/): a global one and
 * one keyed by bot category (the cron uses the key `warmup`). Their counters are per Cloudflare
 * location and eventually consistent: a budget against surges, not an exact global quota.
 */
export class RenderBudget {
  constructor(
    private readonly global: RateLimit,
    private readonly perCategory: RateLimit,
  ) {}

  /** Takes one render from the category's budget, then the global one; false when either is spent. */
  async take(category: string): Promise<boolean> {
    const { success: categoryOk } = await this.perCategory.limit({ key: category });
    if (!categoryOk) return false;
    const { success: globalOk } = await this.global.limit({ key: 'global' });
    return globalOk;
  }
}

/**
 * Concurrent misses for one cache key share one render, within this isolate. Across isolates and
 * locations each may still start its own render (bounded by the budget); the R2 write is skipped
 * when their bodies hash the same.
 */
export class SingleFlight<T> {
  private readonly inflight = new Map<string, Promise<T>>();

  run(key: string, work: () => Promise<T>): { promise: Promise<T>; leader: boolean } {
    const running = this.inflight.get(key);
    if (running) return { promise: running, leader: false };
    const promise = work().finally(() => this.inflight.delete(key));
    this.inflight.set(key, promise);
    return { promise, leader: true };
  }

  get size(): number {
    return this.inflight.size;
  }
}
