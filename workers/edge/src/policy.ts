/**
 * One policy per purpose: for each crawler category, what the edge does (`AGENT_POLICY`) and the
 * content signals it publishes (`CONTENT_SIGNALS`). robots.txt (robots.ts), the `Content-Signal`
 * header of prerendered answers and the routing (route.ts) are all derived from this one value, so
 * they cannot disagree; `readPolicy` refuses a policy that contradicts itself.
 *
 * Content signals are the robots.txt extension Cloudflare introduced:
 * `search` (building a search index and showing links and excerpts), `ai-input` (using the
 * content as input to an AI answer: retrieval, grounding) and `ai-train` (training or fine-tuning
 * AI models), each `yes` or `no`.
 */
import { BOT_CATEGORIES, isBotCategory, type BotCategory } from '../../../shared/bots/categories.ts';
import { ConfigError, listVar } from '../../../shared/config.ts';

export const ACTIONS = ['render', 'cache-only', 'pass-through', 'refuse'] as const;
/**
 * - `render`: prerendered snapshots, rendered on a miss (verified crawlers only where verification is on);
 * - `cache-only`: prerendered snapshots from the cache, never a render;
 * - `pass-through`: the SPA as a browser gets it (`BYPASS`);
 * - `refuse`: 403 on every path but /robots.txt, and `Disallow: /` in robots.txt.
 */
export type Action = (typeof ACTIONS)[number];

export const SIGNALS = ['search', 'ai-input', 'ai-train'] as const;
export type Signal = (typeof SIGNALS)[number];
export type Signals = Readonly<Record<Signal, boolean>>;

export interface CategoryPolicy {
  action: Action;
  signals: Signals;
  /** The `Content-Signal` value (robots.txt line and response header), e.g. `search=yes, ai-input=yes, ai-train=no`. */
  contentSignal: string;
}

export type AgentPolicy = Readonly<Record<BotCategory, CategoryPolicy>>;

/** The signal that names a category's purpose: serving it content is exactly that use. */
export const PURPOSE_SIGNAL: Readonly<Partial<Record<BotCategory, Signal>>> = {
  search: 'search',
  'ai-assistant': 'ai-input',
  'ai-training': 'ai-train',
};

function isAction(value: string): value is Action {
  return (ACTIONS as readonly string[]).includes(value);
}

function isSignal(value: string): value is Signal {
  return (SIGNALS as readonly string[]).includes(value);
}

/** `search=render, ai-training=refuse, ...`: every category exactly once. */
export function parseActions(value: string | undefined): Record<BotCategory, Action> {
  const actions: Partial<Record<BotCategory, Action>> = {};
  for (const item of listVar(value)) {
    const [name = '', action = ''] = item.split('=').map((part) => part.trim());
    if (!isBotCategory(name)) throw new ConfigError('AGENT_POLICY', `unknown category "${name}" (known: ${BOT_CATEGORIES.join(', ')})`);
    if (!isAction(action)) throw new ConfigError('AGENT_POLICY', `${name}: unknown action "${action}" (known: ${ACTIONS.join(', ')})`);
    if (actions[name]) throw new ConfigError('AGENT_POLICY', `${name} is given twice`);
    actions[name] = action;
  }
  const missing = BOT_CATEGORIES.filter((category) => !actions[category]);
  if (missing.length > 0) throw new ConfigError('AGENT_POLICY', `every category needs an action; missing: ${missing.join(', ')}`);
  return actions as Record<BotCategory, Action>;
}

/**
 * `search=yes, ai-input=yes, ai-train=no; ai-assistant: ai-input=no`: the signals of every
 * category, then, after `;`, a category's own values where they differ.
 */
export function parseSignals(value: string | undefined): Record<BotCategory, Signals> {
  const [defaults = '', ...overrides] = (value ?? '').split(';');
  const base = signalValues(defaults, null);
  const missing = SIGNALS.filter((signal) => base[signal] === undefined);
  if (missing.length > 0) throw new ConfigError('CONTENT_SIGNALS', `the default needs every signal; missing: ${missing.join(', ')}`);
  const out = Object.fromEntries(BOT_CATEGORIES.map((category) => [category, base as Signals])) as Record<BotCategory, Signals>;
  for (const override of overrides) {
    if (override.trim() === '') continue;
    const colon = override.indexOf(':');
    const category = override.slice(0, colon).trim();
    if (colon === -1 || !isBotCategory(category)) {
      throw new ConfigError('CONTENT_SIGNALS', `"${override.trim()}" must be "<category>: <signal>=yes|no, ..."`);
    }
    out[category] = { ...out[category], ...signalValues(override.slice(colon + 1), category) };
  }
  return out;
}

function signalValues(text: string, category: string | null): Partial<Record<Signal, boolean>> {
  const values: Partial<Record<Signal, boolean>> = {};
  for (const item of listVar(text)) {
    const [name = '', answer = ''] = item.split('=').map((part) => part.trim().toLowerCase());
    const where = category ? `${category}: ` : '';
    if (!isSignal(name)) throw new ConfigError('CONTENT_SIGNALS', `${where}unknown signal "${name}" (known: ${SIGNALS.join(', ')})`);
    if (answer !== 'yes' && answer !== 'no') throw new ConfigError('CONTENT_SIGNALS', `${where}${name} must be yes or no, not "${answer}"`);
    values[name] = answer === 'yes';
  }
  return values;
}

export function contentSignalOf(signals: Signals): string {
  return SIGNALS.map((signal) => `${signal}=${signals[signal] ? 'yes' : 'no'}`).join(', ');
}

/**
 * The policy from its two vars. A category told `no` for its own purpose (ai-training with
 * `ai-train=no`) must be refused: serving it pages while robots.txt says no would be the
 * contradiction this module exists to rule out.
 */
export function readPolicy(actionsVar: string | undefined, signalsVar: string | undefined): AgentPolicy {
  const actions = parseActions(actionsVar);
  const signals = parseSignals(signalsVar);
  const policy = {} as Record<BotCategory, CategoryPolicy>;
  for (const category of BOT_CATEGORIES) {
    const purpose = PURPOSE_SIGNAL[category];
    if (purpose && !signals[category][purpose] && actions[category] !== 'refuse') {
      throw new ConfigError(
        'AGENT_POLICY',
        `${category}=${actions[category]} contradicts CONTENT_SIGNALS ${purpose}=no for ${category}: refuse it, or say ${purpose}=yes`,
      );
    }
    policy[category] = { action: actions[category], signals: signals[category], contentSignal: contentSignalOf(signals[category]) };
  }
  return policy;
}
