/**
 * `LinkStore`: creates, changes and removes links. The Durable Object decides (who owns a code, what
 * the record is now) and writes KV and the catalog itself (see publish.ts): this side never writes
 * either, so no write from here can overtake a newer one. The catalog is read for listing.
 */
import { HttpError, notFound, serviceUnavailable } from '../../../shared/http/errors.ts';
import { randomCode } from '../../../shared/links/code.ts';
import type { LinkRecord } from '../../../shared/links/record.ts';
import { log } from '../../../shared/log.ts';
import type { ChangeResult, LinkAuthority, LinkChanges } from './authority.ts';
import { catalogList, type CatalogPage, type CatalogQuery } from './catalog.ts';
import type { CreateInput } from './schema.ts';

/** Random draws before giving up; five collisions in a row at 100M links has odds of about 1e-30. */
const RANDOM_ATTEMPTS = 5;

export class LinkStore {
  readonly #authority: DurableObjectNamespace<LinkAuthority>;
  readonly #catalog: D1Database;

  constructor(authority: DurableObjectNamespace<LinkAuthority>, catalog: D1Database) {
    this.#authority = authority;
    this.#catalog = catalog;
  }

  async create(input: CreateInput, now: Date): Promise<LinkRecord> {
    const at = now.toISOString();
    const draft = (code: string): LinkRecord => ({
      code,
      url: input.url,
      status: input.status ?? 301,
      ...(input.title !== undefined && { title: input.title }),
      ...(input.expiresAt !== undefined && { expiresAt: input.expiresAt }),
      appendQuery: input.appendQuery ?? true,
      immutable: input.immutable ?? false,
      ...(input.maxAge !== undefined && { maxAge: input.maxAge }),
      ...(input.rules !== undefined && input.rules.length > 0 && { rules: input.rules }),
      ...(input.preview !== undefined && { preview: input.preview }),
      createdAt: at,
      updatedAt: at,
      version: 1,
    });
    const slug = input.slug;
    if (slug !== undefined) {
      const record = await ask(() => this.#stub(slug).claim(draft(slug)));
      if (record === null) throw new HttpError(409, 'slug_taken', `slug "${slug}" is already taken`, { field: 'slug' });
      return record;
    }
    for (let attempt = 1; attempt <= RANDOM_ATTEMPTS; attempt++) {
      const code = randomCode();
      const record = await ask(() => this.#stub(code).claim(draft(code)));
      if (record !== null) return record;
      log('warn', 'links.code_collision', { attempt });
    }
    throw serviceUnavailable(1, 'could not allocate a code; retry');
  }

  /** The authoritative record (strongly consistent, unlike a KV read). */
  async get(code: string): Promise<LinkRecord | null> {
    return ask(() => this.#stub(code).lookup());
  }

  async change(code: string, changes: LinkChanges, now: Date): Promise<LinkRecord> {
    const result = await ask<ChangeResult>(() => this.#stub(code).change(changes, now.toISOString()));
    if (!result.ok) {
      if (result.reason === 'missing') throw notFound(`no link "${code}"`);
      if (result.reason === 'deleted') throw gone(code);
      throw new HttpError(409, 'immutable', 'an immutable link keeps its destination and status', { field: 'url' });
    }
    return result.record;
  }

  async remove(code: string, now: Date): Promise<LinkRecord> {
    const tombstone = await ask(() => this.#stub(code).remove(now.toISOString()));
    if (tombstone === null) throw notFound(`no link "${code}"`);
    return tombstone;
  }

  /** A page of live links from the catalog, newest first; a link shows there once its authority wrote it. */
  list(query: CatalogQuery): Promise<CatalogPage> {
    return catalogList(this.#catalog, query);
  }

  #stub(code: string) {
    return this.#authority.get(this.#authority.idFromName(code));
  }
}

/** Seconds a client should wait when the authority cannot be reached. */
const AUTHORITY_RETRY_AFTER = 5;

/** A call to a Durable Object; if it cannot be reached, that is an outage (503), not a bug (500). */
export async function ask<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof HttpError) throw error;
    log('error', 'links.authority_failed', { error: String(error) });
    throw serviceUnavailable(AUTHORITY_RETRY_AFTER, 'the link authority is unavailable; retry');
  }
}

export function gone(code: string): HttpError {
  return new HttpError(410, 'gone', `link "${code}" was deleted`);
}
