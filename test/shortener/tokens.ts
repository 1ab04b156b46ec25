/**
 * Bearer tokens for the shortener tests, passed in as the `API_TOKENS` secret. The real rate limiter
 * (120 requests a minute per token) runs in the tests, so each test file takes its own slice of
 * tokens and tests that send many requests spread them over several.
 */
export const TEST_TOKENS = Array.from({ length: 120 }, (_, i) => `test-token-${i}`);

/** Tokens `from` .. `from + count - 1`, a slice no other test file uses. */
export function tokens(from: number, count: number): string[] {
  return TEST_TOKENS.slice(from, from + count);
}
