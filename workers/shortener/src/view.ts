/** The JSON shape of a link in API answers. */
import type { ClickCounts, LinkRecord } from '../../../shared/links/record.ts';

export interface LinkView {
  code: string;
  url: string;
  shortUrl: string;
  status: LinkRecord['status'];
  title: string | null;
  expiresAt: string | null;
  appendQuery: boolean;
  immutable: boolean;
  maxAge: number | null;
  createdAt: string;
  updatedAt: string;
  clicks?: ClickCounts;
}

export function linkView(record: LinkRecord, shortBase: string, clicks?: ClickCounts): LinkView {
  return {
    code: record.code,
    url: record.url,
    shortUrl: `${shortBase.replace(/\/+$/, '')}/${record.code}`,
    status: record.status,
    title: record.title ?? null,
    expiresAt: record.expiresAt ?? null,
    appendQuery: record.appendQuery,
    immutable: record.immutable,
    maxAge: record.maxAge ?? null,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    ...(clicks !== undefined && { clicks }),
  };
}
