/**
 * `LinkStore`: creates, changes and removes links. The Durable Object decides (who owns a code, what
 * the record is now) and writes KV itself, the copy the redirector reads (see publish.ts): this side
 * never writes KV, so no put from here can overtake a newer one. KV is only read, for listing.
 */
import { HttpError, notFound, serviceUnavailable } from '../../../shared/http/errors.ts';
import { randomCode } from '../../../shared/links/code.ts';
import { LINK_PREFIX, codeFromKey } from '../../../shared/links/keys.ts';
import type { ClickCounts, LinkRecord } from '../../../shared/links/record.ts';
import { log } from '../../../shared/log.ts';
import type { ChangeResult, LinkAuthority, LinkChanges } from './authority.ts';
import type { CreateInput } from './schema.ts';

/** Random draws before giving up; five collisions in a row at 100M links has odds of about 1e-30. */
const RANDOM_ATTEMPTS = 5;

export class LinkStore {
  readonly #kv: KVNamespace;
  readonly #authority: DurableObjectNamespace<LinkAuthority>;

  constructor(kv: KVNamespace, authority: DurableObjectNamespace<LinkAuthority>) {
    this.#kv = kv;
    this.#authority = authority;
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

  async clicks(code: string): Promise<ClickCounts> {
    return ask(() => this.#stub(code).clicks());
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

  /** A page of live links from KV, newest writes visible within KV's propagation time. */
  async list(cursor: string | undefined, limit: number): Promise<{ links: LinkRecord[]; cursor: string | null }> {
    let page: KVNamespaceListResult<unknown, string>;
    try {
      page = await this.#kv.list({ prefix: LINK_PREFIX, limit, ...(cursor !== undefined && { cursor }) });
    } catch (error) {
      // A cursor KV does not recognize is the client's mistake, not an outage.
      if (cursor !== undefined) throw new HttpError(400, 'invalid_cursor', 'cursor is not valid', { field: 'cursor' });
      throw error;
    }
    const records = await Promise.all(
      page.keys.map(async (key) => (await this.#kv.get<LinkRecord>(key.name, 'json')) ?? this.get(codeFromKey(key.name))),
    );
    return {
      links: records.filter((r): r is LinkRecord => r !== null && r.deletedAt === undefined),
      cursor: page.list_complete ? null : page.cursor,
    };
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
