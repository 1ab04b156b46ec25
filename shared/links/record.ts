/**
 * The link record: what the authority (a Durable Object per code) stores and what KV holds for the
 * redirector under `link:<code>`. It carries everything a redirect needs, so a KV hit is one read.
 */

/** Redirect statuses a link may use (RFC 9110 §15.4): permanent 301/308, temporary 302/307. */
export const REDIRECT_STATUSES = [301, 302, 307, 308] as const;
export type RedirectStatus = (typeof REDIRECT_STATUSES)[number];

export interface LinkRecord {
  /** Case-sensitive code, the path of the short URL. */
  code: string;
  /** Normalized absolute http(s) destination (IDN hosts in punycode). */
  url: string;
  status: RedirectStatus;
  title?: string;
  /** ISO-8601 instant after which the link answers 410. */
  expiresAt?: string;
  /** Append the short URL's query string to the destination (default true). */
  appendQuery: boolean;
  /** A permanent link whose destination will never change: its 301 may be cached for a year. */
  immutable: boolean;
  /** Per-link max-age of a permanent redirect, in seconds; the redirector's default when absent. */
  maxAge?: number;
  createdAt: string;
  updatedAt: string;
  /** Set when deleted: the code stays owned (never handed out again) and answers 410. */
  deletedAt?: string;
  /** Incremented by every change; lets a stale KV copy lose against the authority. */
  version: number;
  /** Ordered destination rules, first match wins (rules.ts); absent: always `url`. */
  rules?: LinkRule[];
  /** What a link-preview bot is shown instead of the redirect (a card); absent: the redirect. */
  preview?: LinkPreview;
}

/** One condition of a rule: exactly one of these keys. */
export type RuleCondition = { device: Device } | { country: string } | { language: string } | { query: Record<string, string> };

export const DEVICES = ['ios', 'android', 'desktop'] as const;
export type Device = (typeof DEVICES)[number];

export interface LinkRule {
  if: RuleCondition;
  /** Checked like the link's own destination. */
  url: string;
}

export interface LinkPreview {
  title: string;
  description?: string;
  /** An absolute http(s) image URL, checked like a destination. */
  image?: string;
}

/**
 * Clicks are counted apart by kind: only `human` is a click in the usual sense. The order is the
 * one the operator API answers in (shared/operator/clicks.ts re-exports this list).
 */
export const CLICK_KINDS = ['human', 'bot', 'preview', 'scanner', 'head'] as const;
export type ClickKind = (typeof CLICK_KINDS)[number];
export type ClickCounts = Record<ClickKind, number>;

/** Why a link no longer redirects, or null when it does. */
export function goneReason(record: LinkRecord, now: number): 'deleted' | 'expired' | null {
  if (record.deletedAt !== undefined) return 'deleted';
  if (record.expiresAt !== undefined && Date.parse(record.expiresAt) <= now) return 'expired';
  return null;
}
