/**
 * The shortener's config, read once per isolate (shared/config.ts): the short domain, the blocked
 * hosts, the API tokens, and the request schemas built from them. A bad var is a 500 naming it.
 */
import * as z from 'zod/mini';
import { configLoader, listVar } from '../../../shared/config.ts';
import { parseVars } from '../../../shared/http/validate.ts';
import { parseHostList, type DestinationPolicy } from '../../../shared/links/url.ts';
import { changeSchema, createSchema } from './schema.ts';

const vars = z.object({
  SHORT_BASE_URL: z.url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL, e.g. https://sho.rt' }),
  BLOCKED_HOSTS: z.optional(z.string()),
  API_TOKENS: z.optional(z.string()),
});

export const shortenerConfig = configLoader((env: ShortenerEnv) => {
  const v = parseVars(vars, env);
  const shortBase = new URL(v.SHORT_BASE_URL);
  /** Destination rules: the short domain (a link there loops) and the blocklist. */
  const policy: DestinationPolicy = {
    shortHosts: parseHostList(shortBase.hostname),
    blockedHosts: parseHostList(v.BLOCKED_HOSTS),
  };
  return {
    shortBaseUrl: v.SHORT_BASE_URL,
    policy,
    /** Bearer tokens; none configured lets nobody in. */
    tokens: listVar(v.API_TOKENS),
    createSchema: createSchema(policy),
    changeSchema: changeSchema(policy),
  };
});
export type ShortenerConfig = ReturnType<typeof shortenerConfig>;
