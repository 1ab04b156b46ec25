/**
 * The local rate limiter's windows are aligned to the wall clock (one per period). A test that must
 * spend a budget inside one window starts at the beginning of a fresh one when less than `needMs`
 * is left of the current window, so a boundary never splits what it counts.
 */
export async function startOfWindowIfNeeded(needMs: number, periodMs = 60_000): Promise<void> {
  const left = periodMs - (Date.now() % periodMs);
  if (left < needMs) await new Promise((resolve) => setTimeout(resolve, left + 50));
}
