/**
 * A snapshot's age from its index entry's two deadlines: fresh, then STALE (served while a render
 * refreshes it), then expired. Free of worker globals, so the refresh simulation runs it in Node.
 */
export type Age = 'fresh' | 'stale' | 'expired';

export function ageOf(entry: { freshUntil: number; staleUntil: number }, now: number): Age {
  if (now < entry.freshUntil) return 'fresh';
  return now < entry.staleUntil ? 'stale' : 'expired';
}
