/** `npm run deploy -- assets`: which bucket holds the stage's skew window, and the wrangler commands that move it. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deployPlan, historyOf } from '../../scripts/deploy.mjs';
import { wranglerArgs, wranglerBucket } from '../../scripts/history-r2.mjs';
import { StageError } from '../../scripts/stages.mjs';

describe('the skew window of a deploy', () => {
  it.each(['staging', 'production'])('assets at %s mirrors its own bucket in build/history/<stage>', (stage) => {
    const plan = deployPlan(['assets', '--stage', stage]);
    expect(plan.history).toEqual({ bucket: `assets-history-${stage}`, dir: expect.stringMatching(new RegExp(`/build/history/${stage}$`)) });
  });

  it('a dry run, or another worker, touches no bucket', () => {
    expect(deployPlan(['assets', '--stage', 'production', '--dry-run']).history).toBeNull();
    expect(deployPlan(['edge', '--stage', 'production', '--dry-run']).history).toBeNull();
  });

  it('HISTORY_STORE "assets" needs no bucket; "r2" without a HISTORY bucket is refused', () => {
    expect(historyOf({ vars: { HISTORY_STORE: 'assets' } }, 'staging')).toBeNull();
    expect(() => historyOf({ vars: { HISTORY_STORE: 'r2' }, r2_buckets: [] }, 'staging')).toThrow(StageError);
  });
});

describe('wranglerArgs', () => {
  it.each([
    [['get', 'b', '.manifest.json', { file: '/tmp/m.json' }], 'wrangler r2 object get b/.manifest.json --file /tmp/m.json --remote'],
    [['put', 'b', 'assets/app.1a2b3c4d.js.br', { file: '/x' }], 'wrangler r2 object put b/assets/app.1a2b3c4d.js.br --file /x --remote'],
    [['delete', 'b', 'assets/old.1a2b3c4d.js', {}], 'wrangler r2 object delete b/assets/old.1a2b3c4d.js --remote'],
    [['put', 'b', 'k', { file: '/x', local: { persistTo: '/state' } }], 'wrangler r2 object put b/k --file /x --local --persist-to /state'],
  ] as const)('%j', (args, expected) => {
    expect(wranglerArgs(...(args as Parameters<typeof wranglerArgs>)).join(' ')).toBe(expected);
  });
});

describe('wranglerBucket (the production Bucket) on a local bucket', () => {
  it('puts, gets, deletes, and tells a missing object apart, through `wrangler r2 object`', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edge-workers-wrangler-bucket-'));
    try {
      const bucket = wranglerBucket('assets-history', { local: { persistTo: join(dir, 'state') } });
      writeFileSync(join(dir, 'in.txt'), 'export const a = 1;\n');
      await bucket.put('assets/a.1a2b3c4d.js', join(dir, 'in.txt'));
      expect(await bucket.get('assets/a.1a2b3c4d.js', join(dir, 'out', 'a.js'))).toBe(true);
      expect(readFileSync(join(dir, 'out', 'a.js'), 'utf8')).toBe('export const a = 1;\n');
      await bucket.delete('assets/a.1a2b3c4d.js');
      expect(await bucket.get('assets/a.1a2b3c4d.js', join(dir, 'out', 'b.js'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
