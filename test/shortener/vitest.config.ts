import { workerProject } from '../support/project.ts';
import { TEST_TOKENS } from './tokens.ts';

// The shortener with its real local KV, Durable Objects and rate limiter. API_TOKENS is a secret
// in production (`wrangler secret put`), given here as a plain binding.
export default workerProject('shortener', {
  miniflare: { bindings: { API_TOKENS: ['dev-token', ...TEST_TOKENS].join(',') } },
});
