/**
 * The robots.txt product tokens (RFC 9309 §2.2.1) of every crawler the maintained list names, by
 * our category: what a robots.txt group must list to address a whole category. Derived from the
 * same list and the same tag map as `classifyBot`, so a token and a user agent carrying it land in
 * the same category. Patterns that are not one literal token are left out (a handful of the list).
 */
import { CRAWLERS } from './crawlers.generated.ts';
import { BOT_CATEGORIES, categoryFromTags, robotsToken, type BotCategory } from './categories.ts';

let byCategory: ReadonlyMap<BotCategory, readonly string[]> | undefined;

/** Tokens per category, each once (robots.txt compares tokens case-insensitively), in the list's order. */
export function tokensByCategory(): ReadonlyMap<BotCategory, readonly string[]> {
  if (byCategory) return byCategory;
  const seen = new Set<string>();
  const out = new Map<BotCategory, string[]>(BOT_CATEGORIES.map((category) => [category, []]));
  for (const [pattern, tags] of CRAWLERS) {
    const token = robotsToken(pattern);
    if (token === null || seen.has(token.toLowerCase())) continue;
    seen.add(token.toLowerCase());
    out.get(categoryFromTags(tags, token))!.push(token);
  }
  byCategory = out;
  return out;
}

/** The category of a robots.txt token, or null for a token the list does not name. */
export function categoryOfToken(token: string): BotCategory | null {
  const lower = token.toLowerCase();
  for (const [category, tokens] of tokensByCategory()) if (tokens.some((t) => t.toLowerCase() === lower)) return category;
  return null;
}
