// Config validation and the small pure helpers of the recommender call, as tables.
import { describe, expect, it } from 'vitest';
import { HttpError } from '../../shared/http/errors.ts';
import { parseFeedConfig, type FeedVars } from '../../workers/feed/src/config.ts';
import { isFailureStatus, parseRetryAfter, recommenderFeedUrl } from '../../workers/feed/src/recommender.ts';

const base: FeedVars = { RECOMMENDER_URL: 'http://localhost:8793' };

describe('parseFeedConfig', () => {
  it('fills the documented defaults: window 20 calls, 50%, timeout 800 ms', () => {
    const config = parseFeedConfig(base);
    expect(config.breaker).toMatchObject({
      windowType: 'count',
      windowSize: 20,
      failureRateThreshold: 50,
      timeoutMs: 800,
      minimumCalls: 10,
    });
    expect(config.tabs).toEqual(['home', 'trending', 'new']);
    expect(config.upstreamKey).toBe('http://localhost:8793');
    expect(config.failureStatuses).toEqual([
      [408, 408],
      [429, 429],
      [500, 599],
    ]);
  });

  it.each([
    { vars: { RECOMMENDER_URL: 'ftp://x' }, field: 'RECOMMENDER_URL' },
    { vars: { RECOMMENDER_URL: undefined }, field: 'RECOMMENDER_URL' },
    { vars: { BREAKER_WINDOW_SIZE: 'twenty' }, field: 'BREAKER_WINDOW_SIZE' },
    { vars: { BREAKER_FAILURE_RATE: '150' }, field: 'BREAKER_FAILURE_RATE' },
    { vars: { BREAKER_TIMEOUT_MS: '0' }, field: 'BREAKER_TIMEOUT_MS' },
    { vars: { BREAKER_WINDOW_TYPE: 'sliding' }, field: 'BREAKER_WINDOW_TYPE' },
    { vars: { BREAKER_HONOR_RETRY_AFTER: 'maybe' }, field: 'BREAKER_HONOR_RETRY_AFTER' },
    { vars: { BREAKER_FAILURE_STATUSES: '5xx' }, field: 'BREAKER_FAILURE_STATUSES' },
    { vars: { FEED_TABS: 'Home Page' }, field: 'FEED_TABS.0' },
    { vars: { ALLOWED_ORIGINS: 'localhost:8787' }, field: 'ALLOWED_ORIGINS.0' },
    { vars: { BREAKER_WINDOW_SIZE: '5', BREAKER_MIN_CALLS: '10' }, field: 'BREAKER_MIN_CALLS' },
  ])('rejects $field = $vars', ({ vars, field }) => {
    let error: unknown;
    try {
      parseFeedConfig({ ...base, ...vars });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(HttpError);
    const httpError = error as HttpError;
    expect(httpError.code).toBe('config_invalid');
    expect(httpError.options.issues?.map((i) => i.field)).toContain(field);
    expect(httpError.message).toContain(field.split('.')[0]);
  });

  it('a time window may have more minimum calls than seconds', () => {
    const config = parseFeedConfig({ ...base, BREAKER_WINDOW_TYPE: 'time', BREAKER_WINDOW_SIZE: '5', BREAKER_MIN_CALLS: '50' });
    expect(config.breaker).toMatchObject({ windowType: 'time', windowSize: 5, minimumCalls: 50 });
  });
});

describe('recommender helpers', () => {
  const statuses = parseFeedConfig(base);
  it.each([
    [500, true],
    [503, true],
    [599, true],
    [429, true],
    [408, true],
    [400, false],
    [404, false],
    [401, false],
    [200, false],
    [302, false],
  ])('status %i is a failure: %s', (status, expected) => {
    expect(isFailureStatus(status, statuses)).toBe(expected);
  });

  const now = Date.parse('2026-11-23T12:00:00Z');
  it.each([
    { value: '30', expected: 30_000 },
    { value: ' 0 ', expected: 0 },
    { value: 'Mon, 23 Nov 2026 12:01:00 GMT', expected: 60_000 },
    { value: 'Mon, 23 Nov 2026 11:00:00 GMT', expected: 0 },
    { value: 'soon', expected: undefined },
    { value: '-5', expected: undefined },
    { value: null, expected: undefined },
  ])('Retry-After $value -> $expected ms', ({ value, expected }) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });

  it('builds the upstream URL from the configured origin only', () => {
    expect(recommenderFeedUrl(statuses, 'home', 'u-1').href).toBe('http://localhost:8793/feed/home?user=u-1');
    expect(recommenderFeedUrl(parseFeedConfig({ RECOMMENDER_URL: 'https://rec.example/api' }), 'new', null).href).toBe(
      'https://rec.example/api/feed/new',
    );
  });
});
