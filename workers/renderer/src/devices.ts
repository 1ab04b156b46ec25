/**
 * What the browser looks like to the site for each device class. Every User-Agent contains
 * `Prerender`, and every request to the site also carries the render-request header
 * (shared/render/protocol.ts), so the edge serves the render the SPA as to a human and never loops
 * back into prerendering.
 */
import type { Device } from '../../../shared/render/protocol.ts';

export interface Viewport {
  width: number;
  height: number;
  deviceScaleFactor: number;
  isMobile: boolean;
  hasTouch: boolean;
}

export interface DeviceProfile {
  userAgent: string;
  viewport: Viewport;
}

/** Same shape as real Chrome User-Agents (reduced UA: minor versions are zeros), plus `Prerender`. */
export function deviceProfile(device: Device, chromeMajor: number): DeviceProfile {
  const chrome = `Chrome/${chromeMajor}.0.0.0`;
  if (device === 'mobile') {
    return {
      userAgent: `Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) ${chrome} Mobile Safari/537.36 Prerender`,
      viewport: { width: 412, height: 915, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
    };
  }
  return {
    userAgent: `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) ${chrome} Safari/537.36 Prerender`,
    viewport: { width: 1366, height: 768, deviceScaleFactor: 1, isMobile: false, hasTouch: false },
  };
}

/** `HeadlessChrome/126.0.6478.182` or `Chrome/147.0.1.2` (from `browser.version()`) -> 126 / 147. */
export function chromeMajorVersion(version: string, fallback = 126): number {
  const match = /Chrom(?:e|ium)\/(\d+)/.exec(version);
  return match ? Number(match[1]) : fallback;
}
