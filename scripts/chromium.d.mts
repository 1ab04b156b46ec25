// Types for scripts/chromium.mjs, so TypeScript configs and tests can import it.
import type { Browser, LaunchOptions } from 'puppeteer-core';

/** Flags for a sandbox-less, network-quiet headless run (as root, no GPU, no background calls). */
export declare const CHROMIUM_ARGS: string[];
/** Path of a runnable Chromium; unpacks the packaged one to /tmp on first use. */
export declare function chromiumExecutable(): Promise<string>;
/** puppeteer-core Browser on the local Chromium. */
export declare function launchChromium(options?: LaunchOptions): Promise<Browser>;
/** Writes the Browser Rendering Chrome shim under `cacheHome`; returns the env to run wrangler/vitest with. */
export declare function ensureBrowserRenderingShim(cacheHome?: string): Promise<{ XDG_CACHE_HOME: string }>;
