/**
 * Bot classification: a pure function of the User-Agent and, where present, Cloudflare's
 * `request.cf` bot signals. Usable without a running worker.
 *
 * - Bot or human: `isbot`, a maintained pattern that already
 *   knows the humans naive lists get wrong (in-app browsers, CUBOT phones, Konqueror, Electron).
 * - Category and name: the first entry of `crawler-user-agents`
 *   whose pattern matches, through its tags
 *   (patterns and tags extracted by ./generate-crawlers.mjs; a test keeps them equal to the package).
 *   That list is consulted only for user agents isbot already called a bot: a human is only ever
 *   tested against isbot's pattern, and the list is never compiled in an isolate that sees no bot.
 * - Cloudflare's verified-bot signals win when present: they are checked against published IP
 *   ranges and signatures, the one thing a User-Agent cannot prove.
 */
import { isbot, isbotMatch } from 'isbot';
import { BoundedMap } from '../bounded-map.ts';
import { CRAWLERS } from './crawlers.generated.ts';
import { categoryFromCloudflare, categoryFromTags, robotsToken, type BotCategory } from './categories.ts';

export type { BotCategory } from './categories.ts';

/** The subset of `IncomingRequestCfProperties` classification reads. */
export interface BotSignals {
  verifiedBotCategory?: string;
  botManagement?: { verifiedBot?: boolean; score?: number };
}

export interface BotClassification {
  bot: boolean;
  category: BotCategory | null;
  /** The crawler's product token, e.g. `Googlebot`; null for humans. */
  name: string | null;
  /** True only when Cloudflare vouches for the bot (verified bot or verified category). */
  verified: boolean;
}

const HUMAN: BotClassification = Object.freeze({ bot: false, category: null, name: null, verified: false });

interface CompiledCrawler {
  pattern: RegExp;
  /**
   * For a pattern that ends in its product token's `/` (`Googlebot\/`): the same token with no
   * version, ending the UA (`Googlebot`, as `curl -A Googlebot` and some tools send). Tried only
   * when no pattern matched as listed.
   */
  bare: RegExp | null;
  category: BotCategory;
}

// Compiled on the first bot: humans never need the list.
let compiled: CompiledCrawler[] | undefined;
function crawlerList(): CompiledCrawler[] {
  compiled ??= CRAWLERS.map(([pattern, tags]) => ({
    pattern: new RegExp(pattern),
    bare: pattern.endsWith('\\/') ? new RegExp(`${pattern.slice(0, -2)}$`) : null,
    category: categoryFromTags(tags, robotsToken(pattern) ?? ''),
  }));
  return compiled;
}

/**
 * Clients repeat a handful of user agents (a crawler its own, people the few current browser
 * builds), so the answer for a UA is remembered: for a bot it saves the list scan, for a person
 * isbot's whole pattern, which a browser UA runs to the end without a match (the most expensive
 * case of that regex). The answer depends on the UA alone and is frozen (a person's is `HUMAN`).
 * The memo lives in the module, not on a worker's per-isolate state, on purpose: it caches a pure
 * function of its key, so whatever it holds the answer is the same (nothing for a test to reset),
 * and classification needs no `env` (people are classified before a worker reads any state).
 * Bounded in entries, and only UAs of real length are kept, so it stays within about
 * MEMO_LIMIT x 512 characters whatever headers are sent.
 */
export const MEMO_LIMIT = 2_000;
const MEMO_MAX_UA_LENGTH = 512;
const memo = new BoundedMap<BotClassification>({ maxEntries: MEMO_LIMIT });

/** How many user agents the memo holds (it never exceeds `MEMO_LIMIT`). */
export function memoSize(): number {
  return memo.size;
}

/** The answer from the UA alone: isbot, then the list scan for a bot; remembered (callers look in `memo` first). */
function byUserAgentOf(userAgent: string): BotClassification {
  const answer = isbot(userAgent) ? identify(userAgent) : HUMAN;
  if (userAgent.length <= MEMO_MAX_UA_LENGTH) memo.set(userAgent, answer);
  return answer;
}

/** The list scan for a UA isbot calls a bot. */
function identify(userAgent: string): BotClassification {
  let found: { category: BotCategory; name: string } | undefined;
  for (const crawler of crawlerList()) {
    const match = crawler.pattern.exec(userAgent);
    if (match) {
      found = { category: crawler.category, name: productName(userAgent, match[0]) };
      break;
    }
  }
  if (!found) {
    for (const crawler of crawlerList()) {
      const match = crawler.bare?.exec(userAgent);
      if (match) {
        found = { category: crawler.category, name: cleanName(match[0]) };
        break;
      }
    }
  }
  found ??= { category: 'other', name: cleanName(isbotMatch(userAgent) ?? 'unknown') };
  return Object.freeze({ bot: true, category: found.category, name: found.name, verified: false });
}

function cleanName(match: string): string {
  return match.replace(/^[\s(;]+|[\s/;)]+$/g, '') || match;
}

// Some list patterns match a URL inside the UA (`yandex.com/bots`); the product token
// (`YandexBot/3.0`) names the crawler better when there is one. A dotted token without a path
// (`archive.org_bot`) is the crawler's own name.
const PRODUCT_TOKEN = /[A-Za-z][\w-]*(?:bot|spider|crawler)\b/i;
function productName(userAgent: string, match: string): string {
  const name = cleanName(match);
  if (!name.includes('/')) return name;
  return PRODUCT_TOKEN.exec(userAgent)?.[0] ?? name;
}

export function classifyBot(input: { userAgent: string | null | undefined; cf?: BotSignals | null }): BotClassification {
  const userAgent = input.userAgent ?? '';
  const cfCategory = input.cf?.verifiedBotCategory?.trim() ?? '';
  const verified = cfCategory !== '' || input.cf?.botManagement?.verifiedBot === true;
  // A memo hit (a UA seen before, bot or person) skips isbot too.
  const byUserAgent = memo.get(userAgent) ?? byUserAgentOf(userAgent);
  if (!verified) return byUserAgent;
  const category = cfCategory ? categoryFromCloudflare(cfCategory) : (byUserAgent.category ?? 'other');
  return { bot: true, category, name: byUserAgent.name ?? 'verified-bot', verified };
}
