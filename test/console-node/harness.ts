/**
 * The console on a real local port, for a real browser: its bundle in Miniflare with its config
 * from wrangler.toml [env.console] (static assets over build/console, service bindings to the owners'
 * `OperatorApi` entrypoints), and the stand-in owners of test/console/standins as the workers those
 * bindings name. Used by the browser test and by the bench's first-paint row.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Miniflare, convertV4MiniflareOptions, type LegacyWorkerOptions } from 'miniflare';
import { unstable_getMiniflareWorkerOptions } from 'wrangler';
import { ensureConsoleBuilt } from '../../scripts/build-console.mjs';
import { bundleWorker } from '../support/bundle.ts';
import type { Seen, StandInMode } from '../console/standins/support.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
export const TOKEN = 'dev-token';
const SESSION_SECRET = 'browser-test-session-secret-0123456789';

export type Owner = 'shortener' | 'edge' | 'feed';

export interface ConsoleUnderTest {
  origin: string;
  standIn(owner: Owner): {
    mode(mode: StandInMode): Promise<void>;
    seen(): Promise<Seen[]>;
    unknown(): Promise<string[]>;
    reset(): Promise<void>;
  };
  close(): Promise<void>;
}

/**
 * Starts the console and the stand-ins. `scriptPath`: the console's bundle (the bench passes its
 * `wrangler deploy --dry-run` bundle); by default it is bundled here with esbuild.
 */
export async function startConsole({ scriptPath }: { scriptPath?: string } = {}): Promise<ConsoleUnderTest> {
  await ensureConsoleBuilt();
  const outdir = mkdtempSync(join(tmpdir(), 'console-browser-'));
  const script = scriptPath ?? join(outdir, 'console.js');
  if (scriptPath === undefined) bundleWorker(join(root, 'workers/console/src/index.ts'), script);
  bundleWorker(join(root, 'test/console/standins/owner.ts'), join(outdir, 'owner.js'));
  // wrangler's copy of the Miniflare types differs from the top-level package's; the shape is the same.
  const configured = unstable_getMiniflareWorkerOptions(join(root, 'wrangler.toml'), 'console')
    .workerOptions as unknown as LegacyWorkerOptions;
  const standIn = (owner: Owner): LegacyWorkerOptions => ({
    name: owner,
    modules: true,
    scriptPath: join(outdir, 'owner.js'),
    modulesRoot: outdir,
    compatibilityDate: '2026-11-01',
    compatibilityFlags: ['nodejs_compat'],
    bindings: { OWNER: owner },
  });
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      workers: [
        {
          ...configured,
          name: 'console',
          modules: true,
          scriptPath: script,
          modulesRoot: join(script, '..'),
          // One bundled module: no rules needed (and Miniflare 5 cannot convert them).
          modulesRules: undefined,
          bindings: { ...configured.bindings, SESSION_SECRET, CONSOLE_TOKENS: TOKEN },
        } as LegacyWorkerOptions,
        standIn('shortener'),
        standIn('edge'),
        standIn('feed'),
      ],
      host: '127.0.0.1',
      port: 0,
    }),
  );
  const url = await mf.ready;
  // Reached as localhost: local sign-in answers only on loopback names.
  const origin = `http://localhost:${url.port}`;
  /** A stand-in's default export (its control panel); Miniflare types it with its own Request types. */
  const control = async (owner: Owner, path: string, init?: RequestInit): Promise<Response> => {
    const worker = (await mf.getWorker(owner)) as unknown as { fetch(url: string, init?: RequestInit): Promise<Response> };
    return worker.fetch(`http://standin${path}`, init);
  };
  return {
    origin,
    standIn: (owner) => ({
      async mode(mode) {
        await control(owner, '/_standin/mode', { method: 'POST', body: JSON.stringify({ mode }) });
      },
      async seen() {
        return (await control(owner, '/_standin/seen')).json() as Promise<Seen[]>;
      },
      async unknown() {
        return (await control(owner, '/_standin/unknown')).json() as Promise<string[]>;
      },
      async reset() {
        await control(owner, '/_standin/reset', { method: 'POST' });
      },
    }),
    async close() {
      await mf.dispose();
      rmSync(outdir, { recursive: true, force: true });
    },
  };
}

/** Signs in through the form, from Node: the session cookie's value. */
export async function sessionCookie(origin: string, token = TOKEN): Promise<string> {
  const response = await fetch(`${origin}/signin`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: origin },
    body: new URLSearchParams({ token }),
  });
  const cookie = /^console_session=([^;]+)/.exec(response.headers.get('Set-Cookie') ?? '')?.[1];
  if (response.status !== 303 || cookie === undefined) throw new Error(`sign-in at ${origin} answered ${response.status}`);
  return cookie;
}
