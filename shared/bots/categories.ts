/**
 * How the tags of the maintained lists map onto our crawler categories, one per purpose a site sets
 * policy for. This is the only hand-written table in bot classification, and it maps *tags* (and,
 * for AI crawlers, the naming convention their operators publish), never user-agent substrings.
 *
 * - crawler-user-agents tags:
 *   search-engine, social-preview, ai-crawler, archiver, seo, monitoring, and the rest (advertising,
 *   feed-reader, http-library, scanner, academic, browser-automation) -> `other`.
 * - Cloudflare verified bot categories (`request.cf.verifiedBotCategory`).
 */
export const BOT_CATEGORIES = ['search', 'ai-assistant', 'ai-training', 'link-preview', 'archiver', 'seo-tool', 'other'] as const;

/**
 * - `search`: search engines' crawlers (Googlebot, Bingbot).
 * - `ai-assistant`: AI search indexes and fetchers a person's question triggers (OAI-SearchBot,
 *   ChatGPT-User, Claude-User, PerplexityBot, Perplexity-User).
 * - `ai-training`: crawlers that collect training data (GPTBot, ClaudeBot, CCBot, Bytespider).
 * - `link-preview`: unfurlers (facebookexternalhit, Slackbot, Twitterbot).
 * - `archiver`: web archives (ia_archiver, archive.org_bot).
 * - `seo-tool`: SEO and monitoring tools (AhrefsBot, SemrushBot, UptimeRobot).
 * - `other`: every other bot, generic HTTP clients (curl, python-requests) among them.
 */
export type BotCategory = (typeof BOT_CATEGORIES)[number];

/**
 * An entry may carry several tags (meta-externalagent: ai-crawler + social-preview). The first
 * category in this order wins: an AI company's crawler is an AI crawler even when it also feeds a
 * social product, because sites set AI policy separately.
 */
const TAG_PRECEDENCE: ReadonlyArray<readonly [tag: string, category: BotCategory]> = [
  ['search-engine', 'search'],
  ['social-preview', 'link-preview'],
  ['archiver', 'archiver'],
  ['seo', 'seo-tool'],
  ['monitoring', 'seo-tool'],
];

/**
 * An AI crawler works for a person's question (`ai-assistant`) when the list also tags it a search
 * engine (OAI-SearchBot, PerplexityBot, DuckAssistBot), or when its product token follows the names
 * the operators give such crawlers: `-User` for the fetchers a user's request triggers
 * (ChatGPT-User, Claude-User, Perplexity-User, MistralAI-User, Amzn-User), `SearchBot` for the
 * indexes of AI search (Claude-SearchBot, Amzn-SearchBot, AzureAI-SearchBot). Any other AI crawler
 * is taken as collecting training data (`ai-training`), the stricter policy.
 */
export function categoryFromTags(tags: readonly string[] | undefined, token = ''): BotCategory {
  if (!tags) return 'other';
  if (tags.includes('ai-crawler')) {
    return tags.includes('search-engine') || /(?:-User|SearchBot)$/i.test(token) ? 'ai-assistant' : 'ai-training';
  }
  for (const [tag, category] of TAG_PRECEDENCE) if (tags.includes(tag)) return category;
  return 'other';
}

const CLOUDFLARE_CATEGORIES: Readonly<Record<string, BotCategory>> = {
  'Search Engine Crawler': 'search',
  'Search Engine Optimization': 'seo-tool',
  'Page Preview': 'link-preview',
  'Monitoring & Analytics': 'seo-tool',
  Archiver: 'archiver',
  'AI Crawler': 'ai-training',
  'AI Search': 'ai-assistant',
  'AI Assistant': 'ai-assistant',
};

export function categoryFromCloudflare(verifiedBotCategory: string): BotCategory {
  return CLOUDFLARE_CATEGORIES[verifiedBotCategory] ?? 'other';
}

export function isBotCategory(name: string): name is BotCategory {
  return (BOT_CATEGORIES as readonly string[]).includes(name);
}

/** Parses a comma-separated config value such as `"search,link-preview"`; unknown names throw. */
export function parseCategories(value: string | undefined): Set<BotCategory> {
  const names = (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const name of names) {
    if (!isBotCategory(name)) throw new Error(`unknown bot category "${name}" (known: ${BOT_CATEGORIES.join(', ')})`);
  }
  return new Set(names as BotCategory[]);
}

/**
 * The robots.txt product token (RFC 9309 §2.2.1) a list pattern names, or null when the pattern
 * is not one literal token: `Googlebot\/` -> `Googlebot`, `[cC]laude[bB]ot` -> `claudebot`
 * (robots.txt matches tokens case-insensitively), `Spider[\s\S]*spider\.com` -> null.
 */
export function robotsToken(pattern: string): string | null {
  const token = pattern
    .replace(/\\\/$/, '')
    .replace(/\[([A-Za-z])([A-Za-z])\]/g, (whole, a: string, b: string) => (a.toLowerCase() === b.toLowerCase() ? a.toLowerCase() : whole))
    .replace(/\\([.-])/g, '$1');
  return /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(token) ? token : null;
}
