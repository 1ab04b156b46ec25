import { describe, expect, it } from 'vitest';
import crawlers from 'crawler-user-agents';
import { CRAWLERS } from '../../shared/bots/crawlers.generated.ts';

describe('crawlers.generated.ts', () => {
  it('holds exactly the patterns and tags of the installed crawler-user-agents (else: node shared/bots/generate-crawlers.mjs)', () => {
    const fromPackage = (crawlers as ReadonlyArray<{ pattern: string; tags?: string[] }>).map((e) =>
      e.tags ? [e.pattern, e.tags] : [e.pattern],
    );
    expect(CRAWLERS).toEqual(fromPackage);
  });

  it('compiles every pattern as a JavaScript regular expression', () => {
    for (const [pattern] of CRAWLERS) expect(() => new RegExp(pattern)).not.toThrow();
  });
});
