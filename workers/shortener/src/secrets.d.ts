// Secrets are not in wrangler.toml, so `wrangler types` cannot see them: declared here.
interface ShortenerEnv {
  /** Comma-separated bearer tokens (`wrangler secret put API_TOKENS --env shortener`). */
  API_TOKENS?: string;
}
