/**
 * Conditional requests, evaluated in the order RFC 9110 §13.2.2 fixes
 * (https://www.rfc-editor.org/rfc/rfc9110#name-precedence-of-preconditions):
 * If-Match, then If-Unmodified-Since (only without If-Match), then If-None-Match, then
 * If-Modified-Since (only without If-None-Match, and only for GET and HEAD).
 */
export interface Validators {
  /** The selected variant's strong entity tag, quotes included. */
  etag: string;
  /** HTTP-date of the representation's last change. */
  lastModified: string;
}

export interface Preconditions {
  ifMatch: string | null;
  ifNoneMatch: string | null;
  ifModifiedSince: string | null;
  ifUnmodifiedSince: string | null;
}

export type PreconditionOutcome = 'proceed' | 'not-modified' | 'precondition-failed';

export function evaluatePreconditions(method: string, conditions: Preconditions, validators: Validators): PreconditionOutcome {
  // Parsed only for a date condition: most requests carry none.
  const modified = (): number => Date.parse(validators.lastModified);
  if (conditions.ifMatch !== null) {
    if (!matchesAny(conditions.ifMatch, validators.etag, 'strong')) return 'precondition-failed';
  } else if (conditions.ifUnmodifiedSince !== null) {
    const since = parseHttpDate(conditions.ifUnmodifiedSince);
    if (since !== null && modified() > since) return 'precondition-failed';
  }
  const safe = method === 'GET' || method === 'HEAD';
  if (conditions.ifNoneMatch !== null) {
    if (matchesAny(conditions.ifNoneMatch, validators.etag, 'weak')) return safe ? 'not-modified' : 'precondition-failed';
  } else if (conditions.ifModifiedSince !== null && safe) {
    const since = parseHttpDate(conditions.ifModifiedSince);
    if (since !== null && modified() <= since) return 'not-modified';
  }
  return 'proceed';
}

const ENTITY_TAG = /^(W\/)?("[\x21\x23-\x7e\x80-\xff]*")$/;

/** Entity tags of a `#entity-tag` list; `*` as its own member; malformed members dropped. */
export function parseEntityTags(header: string): Array<{ weak: boolean; tag: string } | '*'> {
  const trimmed = header.trim();
  if (trimmed === '*') return ['*'];
  const tags: Array<{ weak: boolean; tag: string }> = [];
  // Tags may contain commas only inside quotes, which the grammar above forbids in practice (etagc
  // excludes DQUOTE), so splitting on commas outside quotes is the whole job.
  for (const member of trimmed.match(/(?:W\/)?"[^"]*"|[^,\s]+/g) ?? []) {
    const match = ENTITY_TAG.exec(member);
    if (match?.[2]) tags.push({ weak: match[1] !== undefined, tag: match[2] });
  }
  return tags;
}

/**
 * RFC 9110 §8.8.3.2: strong comparison needs both tags strong and equal; weak comparison
 * ignores the W/ prefix. `*` matches any current representation.
 */
export function matchesAny(header: string, etag: string, comparison: 'strong' | 'weak'): boolean {
  return parseEntityTags(header).some((candidate) =>
    candidate === '*' ? true : candidate.tag === etag && (comparison === 'weak' || !candidate.weak),
  );
}

// RFC 9110 §5.6.7: recipients accept IMF-fixdate and the two obsolete formats.
const IMF_FIXDATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const RFC850_DATE =
  /^(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), \d{2}-(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)-\d{2} \d{2}:\d{2}:\d{2} GMT$/;
const ASCTIME_DATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/;

/** Milliseconds since the epoch of an HTTP-date, or null for anything else (then ignored, §13.1.3). */
export function parseHttpDate(value: string): number | null {
  const text = value.trim();
  let ms = Number.NaN;
  if (IMF_FIXDATE.test(text) || RFC850_DATE.test(text)) ms = Date.parse(text);
  else if (ASCTIME_DATE.test(text)) ms = Date.parse(`${text} GMT`);
  return Number.isNaN(ms) ? null : ms;
}
