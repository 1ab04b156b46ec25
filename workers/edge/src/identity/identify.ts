/**
 * Who is asking, by evidence, strongest first:
 *   1. `signature`: a valid Web Bot Auth signature (web-bot-auth.ts), whatever the User-Agent;
 *   2. `cloudflare`: Cloudflare's verified-bot signals (`request.cf`), read when verification is on;
 *   3. `ip`: the client address inside the ranges its crawler publishes (ip-ranges.ts), when on;
 *   4. `user-agent`: the User-Agent alone (unverified).
 * A signature that does not verify never lets its request render, and the request is otherwise
 * served as the same request unsigned would be.
 */
import { classifyBot, type BotClassification, type BotSignals } from '../../../../shared/bots/classify.ts';
import type { BotCategory } from '../../../../shared/bots/categories.ts';
import type { SignatureVerdict } from './web-bot-auth.ts';

export type Evidence = 'signature' | 'cloudflare' | 'ip' | 'user-agent';

export interface Identity {
  /** A crawler or agent: answered with `X-Prerender`. False for people (browsers). */
  bot: boolean;
  category: BotCategory | null;
  name: string | null;
  verified: boolean;
  /** The strongest evidence the decision rests on; null for people. */
  evidence: Evidence | null;
  /** A signature was present and did not verify (its reason is in the log): never a render. */
  signatureRejected: boolean;
}

export const PERSON: Identity = Object.freeze({
  bot: false,
  category: null,
  name: null,
  verified: false,
  evidence: null,
  signatureRejected: false,
});

/**
 * A signed agent's category when its User-Agent names no crawler: agents that sign are, today,
 * assistants and agentic browsers acting for a person.
 */
export const SIGNED_AGENT_CATEGORY: BotCategory = 'ai-assistant';

export interface IdentifyInput {
  /** The classification of the User-Agent alone (what the front door already computed). */
  byUserAgent: BotClassification;
  userAgent: string | null;
  /** The signature's verdict, when the request was signed. */
  signature: SignatureVerdict | null;
  /** Cloudflare's signals, only when verification is on (reading `request.cf` costs). */
  cf: BotSignals | null;
  /** Whether the client address is in its crawler's published ranges (null: not checked). */
  inPublishedRanges: boolean | null;
}

/** Pure: the identity from the evidence gathered. */
export function identify(input: IdentifyInput): Identity {
  const { byUserAgent, signature } = input;
  if (signature?.ok) {
    return {
      bot: true,
      category: byUserAgent.category ?? SIGNED_AGENT_CATEGORY,
      name: byUserAgent.name ?? new URL(signature.agent).hostname,
      verified: true,
      evidence: 'signature',
      signatureRejected: false,
    };
  }
  const signatureRejected = signature !== null;
  const bot = input.cf ? classifyBot({ userAgent: input.userAgent, cf: input.cf }) : byUserAgent;
  if (!bot.bot) return signatureRejected ? { ...PERSON, signatureRejected } : PERSON;
  const evidence: Evidence = bot.verified ? 'cloudflare' : input.inPublishedRanges ? 'ip' : 'user-agent';
  return {
    bot: true,
    category: bot.category,
    name: bot.name,
    verified: evidence !== 'user-agent',
    evidence,
    signatureRejected,
  };
}
