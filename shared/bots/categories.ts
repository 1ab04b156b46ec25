/**
 * How the tags of the maintained lists map onto our six categories. This is the only hand-written
 * table in bot classification, and it maps *tags*, never user-agent substrings.
 *
 * - crawler-user-agents tags (https://github.com/monperrus/crawler-user-agents#tags):
 *   search-engine, social-preview, ai-crawler, seo, monitoring, and the rest (advertising,
 *   feed-reader, http-library, archiver, scanner, academic, browser-automation) -> `other`.
 * - Cloudflare verified bot categories (`request.cf.verifiedBotCategory`,
 *   https://developers.cloudflare.com/bots/concepts/bot/verified-bots/categories/).
 */
export type BotCategory = 'search' | 'social-preview' | 'ai' | 'seo-tool' | 'monitor' | 'other';

export const BOT_CATEGORIES: readonly BotCategory[] = ['search', 'social-preview', 'ai', 'seo-tool', 'monitor', 'other'];

/**
 * An entry may carry several tags (PerplexityBot: ai-crawler + search-engine; meta-externalagent:
 * ai-crawler + social-preview). The first category in this order wins: an AI company's crawler is
 * `ai` even when it also feeds a search product, because sites set AI policy separately.
 */
const TAG_PRECEDENCE: ReadonlyArray<readonly [tag: string, category: BotCategory]> = [
  ['ai-crawler', 'ai'],
  ['search-engine', 'search'],
  ['social-preview', 'social-preview'],
  ['seo', 'seo-tool'],
  ['monitoring', 'monitor'],
];

export function categoryFromTags(tags: readonly string[] | undefined): BotCategory {
  if (!tags) return 'other';
  for (const [tag, category] of TAG_PRECEDENCE) if (tags.includes(tag)) return category;
  return 'other';
}

const CLOUDFLARE_CATEGORIES: Readonly<Record<string, BotCategory>> = {
  'Search Engine Crawler': 'search',
  'Search Engine Optimization': 'seo-tool',
  'Page Preview': 'social-preview',
  'Monitoring & Analytics': 'monitor',
  'AI Crawler': 'ai',
  'AI Search': 'ai',
  'AI Assistant': 'ai',
};

export function categoryFromCloudflare(verifiedBotCategory: string): BotCategory {
  return CLOUDFLARE_CATEGORIES[verifiedBotCategory] ?? 'other';
}

/** Parses a comma-separated config value such as `"search,social-preview"`; unknown names throw. */
export function parseCategories(value: string | undefined): Set<BotCategory> {
  const names = (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const name of names) {
    if (!(BOT_CATEGORIES as readonly string[]).includes(name)) {
      throw new Error(`unknown bot category "${name}" (known: ${BOT_CATEGORIES.join(', ')})`);
    }
  }
  return new Set(names as BotCategory[]);
}
