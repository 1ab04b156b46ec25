// The lease decision as a table: free, held by another, held by the asker, run out.
import { describe, expect, it } from 'vitest';
import { decideLease, type Lease } from '../../shared/lease/lease.ts';

describe('decideLease', () => {
  const held: Lease = { holder: 'a', until: 1_000 };
  it.each([
    ['a free key goes to the asker', undefined, 'b', 500, { granted: true, holder: 'b', until: 60_500 }],
    ['a key held by another is refused, naming the holder and its end', held, 'b', 999, { granted: false, holder: 'a', until: 1_000 }],
    ['asking again while holding it neither refuses nor extends it', held, 'a', 999, { granted: true, holder: 'a', until: 1_000 }],
    [
      'a lease runs out at its end: the next asker wins (a holder that died)',
      held,
      'b',
      1_000,
      { granted: true, holder: 'b', until: 61_000 },
    ],
  ] as const)('%s', (_, current, holder, now, answer) => {
    const { lease, answer: got } = decideLease(current, holder, now, 60_000);
    expect(got).toEqual(answer);
    expect(lease).toEqual({ holder: answer.holder, until: answer.until });
  });
});
