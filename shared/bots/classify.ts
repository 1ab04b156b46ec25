/**
 * Bot classification: a pure function of the User-Agent and, where present, Cloudflare's
 * `request.cf` bot signals. Usable without a running worker.
 *
 * - Bot or human: `isbot` (https://github.com/omrilotan/isbot), a maintained pattern that already
 *   knows the humans naive lists get wrong (in-app browsers, CUBOT phones, Konqueror, Electron).
 * - Category and name: the first entry of `crawler-user-agents`
 *   (https://github.com/monperrus/crawler-user-agents) whose pattern matches, through its tags
 *   (patterns and tags extracted by ./generate-crawlers.mjs; a test keeps them equal to the package).
 *   That list is consulted only for user agents isbot already called a bot, so humans pay one regex.
 * - Cloudflare's verified-bot signals win when present: they are checked against published IP
 *   ranges and signatures, the one thing a User-Agent cannot prove.
 */
import { isbot, isbotMatch } from 'isbot';
import { CRAWLERS } from './crawlers.generated.ts';
import { categoryFromCloudflare, categoryFromTags, type BotCategory } from './categories.ts';

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

// Compiled on the first bot, once per isolate: ~1,500 patterns humans never pay for.
let compiled: CompiledCrawler[] | undefined;
function crawlerList(): CompiledCrawler[] {
  compiled ??= CRAWLERS.map(([pattern, tags]) => ({
    pattern: new RegExp(pattern),
    bare: pattern.endsWith('\\/') ? new RegExp(`${pattern.slice(0, -2)}$`) : null,
    category: categoryFromTags(tags),
  }));
  return compiled;
}

// Crawlers repeat a handful of user agents, so a bounded per-isolate memo keeps the list scan off
// the hot path. Map keeps insertion order: dropping the first key evicts the oldest entry.
const MEMO_LIMIT = 2_000;
// Real user agents are a few hundred characters; longer ones are not memoised, so the memo stays
// within about MEMO_LIMIT x 512 characters however large the headers an attacker sends.
const MEMO_MAX_UA_LENGTH = 512;
// It holds the finished (frozen) answer for the UA alone, so a known crawler costs one lookup.
const memo = new Map<string, BotClassification>();

/** The list scan for a UA isbot calls a bot, remembered (callers look in `memo` first). */
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
  const answer = Object.freeze({ bot: true, category: found.category, name: found.name, verified: false });
  if (userAgent.length > MEMO_MAX_UA_LENGTH) return answer;
  if (memo.size >= MEMO_LIMIT) memo.delete(memo.keys().next().value as string);
  memo.set(userAgent, answer);
  return answer;
}

function cleanName(match: string): string {
  return match.replace(/^[\s(;]+|[\s/;)]+$/g, '') || match;
}

// Some list patterns match a URL inside the UA (`yandex.com/bots`); the product token
// (`YandexBot/3.0`) names the crawler better when there is one.
const PRODUCT_TOKEN = /[A-Za-z][\w-]*(?:bot|spider|crawler)\b/i;
function productName(userAgent: string, match: string): string {
  const name = cleanName(match);
  if (!/[/.]/.test(name)) return name;
  return PRODUCT_TOKEN.exec(userAgent)?.[0] ?? name;
}

export function classifyBot(input: { userAgent: string | null | undefined; cf?: BotSignals | null }): BotClassification {
  const userAgent = input.userAgent ?? '';
  const cfCategory = input.cf?.verifiedBotCategory?.trim() ?? '';
  const verified = cfCategory !== '' || input.cf?.botManagement?.verifiedBot === true;
  // Only UAs isbot called bots are memoised, so a memo hit (a crawler seen before) skips isbot too.
  const byUserAgent = memo.get(userAgent) ?? (isbot(userAgent) ? identify(userAgent) : null);
  if (!verified) return byUserAgent ?? HUMAN;
  const category = cfCategory ? categoryFromCloudflare(cfCategory) : (byUserAgent?.category ?? 'other');
  return { bot: true, category, name: byUserAgent?.name ?? 'verified-bot', verified };
}
