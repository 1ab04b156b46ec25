/** The console's secrets in its tests (production: `wrangler secret put`). */
export const SESSION_SECRET = 'test-session-secret-0123456789abcdef';
export const TOKENS = ['dev-token', 'second-token'];
