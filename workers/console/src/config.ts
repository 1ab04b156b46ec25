/**
 * The console's vars and secrets, parsed once per isolate. A bad value is a 500 `config_invalid`
 * naming it (shared/config.ts): a deploy mistake, never an answer to a client's input.
 */
import * as z from 'zod/mini';
import { configLoader, listVar } from '../../../shared/config.ts';
import { integer, parseVars } from '../../../shared/http/validate.ts';

const MIN_SECRET_LENGTH = 32;

const positiveInteger = z
  .pipe(
    z.string(),
    z.transform((value: string) => Number(value)),
  )
  .check(integer(), z.gt(0));

const vars = z
  .object({
    AUTH_MODE: z.enum(['local', 'access']),
    ACCESS_TEAM_DOMAIN: z.string(),
    ACCESS_AUD: z.string(),
    SESSION_TTL_SECONDS: positiveInteger,
    OWNER_TIMEOUT_MS: positiveInteger,
    SESSION_SECRET: z.string().check(z.minLength(MIN_SECRET_LENGTH, { error: `must be at least ${MIN_SECRET_LENGTH} characters` })),
  })
  .check(
    z.superRefine((v, ctx) => {
      if (v.AUTH_MODE !== 'access') return;
      // Access signs with keys published by the team domain; anything but https there is a misconfiguration.
      const team = URL.parse(v.ACCESS_TEAM_DOMAIN);
      if (team?.protocol !== 'https:' || team.pathname !== '/' || team.search !== '') {
        ctx.issues.push({
          code: 'custom',
          path: ['ACCESS_TEAM_DOMAIN'],
          message: 'must be https://<team>.cloudflareaccess.com',
          input: v.ACCESS_TEAM_DOMAIN,
        });
      }
      if (v.ACCESS_AUD === '')
        ctx.issues.push({ code: 'custom', path: ['ACCESS_AUD'], message: "must be the Access application's audience tag", input: '' });
    }),
  );

export interface ConsoleConfig {
  mode: 'local' | 'access';
  /** `https://<team>.cloudflareaccess.com`, the issuer of Access JWTs; empty in local mode. */
  accessTeam: string;
  accessAudience: string;
  sessionTtlSeconds: number;
  ownerTimeoutMs: number;
  sessionSecret: string;
  /** Sign-in tokens of local mode; none lets nobody in. */
  localTokens: string[];
}

export const consoleConfig = configLoader((env: ConsoleEnv): ConsoleConfig => {
  const parsed = parseVars(vars, env);
  return {
    mode: parsed.AUTH_MODE,
    accessTeam: parsed.ACCESS_TEAM_DOMAIN.replace(/\/+$/, ''),
    accessAudience: parsed.ACCESS_AUD,
    sessionTtlSeconds: parsed.SESSION_TTL_SECONDS,
    ownerTimeoutMs: parsed.OWNER_TIMEOUT_MS,
    sessionSecret: parsed.SESSION_SECRET,
    localTokens: parsed.AUTH_MODE === 'local' ? listVar(env.CONSOLE_TOKENS) : [],
  };
});
