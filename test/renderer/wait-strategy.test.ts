import { describe, expect, it } from 'vitest';
import { chromeMajorVersion, deviceProfile } from '../../workers/renderer/src/devices.ts';
import {
  SERIALISE_RESERVE_MS,
  idleWaitMs,
  nextWait,
  remaining,
  type ReadyProbe,
  type WaitStep,
} from '../../workers/renderer/src/wait-strategy.ts';

describe('nextWait', () => {
  const cases: Array<[string, ReadyProbe, boolean, WaitStep]> = [
    ['no flag, just loaded: wait for network idle', { defined: false, ready: false }, false, 'network-idle'],
    ['no flag after the idle wait: done', { defined: false, ready: false }, true, 'done'],
    ['flag false: wait for it', { defined: true, ready: false }, false, 'prerender-ready'],
    ['flag set late by a script, after the idle wait: wait for it', { defined: true, ready: false }, true, 'prerender-ready'],
    ['flag already true: done', { defined: true, ready: true }, false, 'done'],
  ];
  it.each(cases)('%s', (_, probe, idleWaited, step) => expect(nextWait(probe, idleWaited)).toBe(step));
});

describe('idle wait budget', () => {
  const budget = { idleTimeMs: 500, idleCapMs: 3000 };
  it.each([
    [10_000, 3000],
    [2000, 2000 - SERIALISE_RESERVE_MS],
    [100, 0],
    [0, 0],
  ])('with %i ms left, waits at most %i ms for idle', (left, wait) => expect(idleWaitMs(budget, left)).toBe(wait));

  it.each([
    [1000, 400, 600],
    [1000, 1400, 0],
  ])('remaining(%i, %i) = %i', (deadline, now, left) => expect(remaining(deadline, now)).toBe(left));
});

describe('device profiles', () => {
  it.each([
    ['HeadlessChrome/126.0.6478.182', 126],
    ['Chrome/147.0.7727.24', 147],
    ['Chromium/99.0.1.1', 99],
    ['something else', 126],
  ])('%s -> Chrome %i', (version, major) => expect(chromeMajorVersion(version)).toBe(major));

  it.each([
    ['mobile', /^Mozilla\/5\.0 \(Linux; Android 10; K\).* Chrome\/140\.0\.0\.0 Mobile Safari\/537\.36 Prerender$/, true, 412],
    ['desktop', /^Mozilla\/5\.0 \(X11; Linux x86_64\).* Chrome\/140\.0\.0\.0 Safari\/537\.36 Prerender$/, false, 1366],
  ] as const)('%s', (device, userAgent, isMobile, width) => {
    const profile = deviceProfile(device, 140);
    expect(profile.userAgent).toMatch(userAgent);
    expect(profile.viewport).toMatchObject({ isMobile, width });
  });
});
