/**
 * The shortener's links API as the console reads it (the shortener answers it; its OpenAPI document
 * at `/api/openapi.json` is the full description). Objects are not strict: an owner may add fields
 * (rules, previews) without breaking a reader.
 *
 *   GET    /api/links?q=&cursor=&limit=     a page of links, searched by code, destination and title
 *   POST   /api/links                       create; PATCH / DELETE /api/links/<code> edit and delete
 *   GET    /api/links/<code>                one link
 *   GET    /api/links/<code>/qr?format=svg|png&size=&tag=   its QR code (image/svg+xml or image/png)
 *   GET    /api/links.csv?q=                the links (matching q) as CSV (text/csv), in the columns an import reads
 *   POST   /api/links.csv                   a CSV file (text/csv); one result per data row
 */
import * as z from 'zod/mini';

export const linkView = z.object({
  code: z.string(),
  url: z.string(),
  shortUrl: z.string(),
  status: z.number(),
  title: z.nullable(z.string()),
  expiresAt: z.nullable(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type LinkView = z.infer<typeof linkView>;

export const linkPage = z.object({ links: z.array(linkView), cursor: z.nullable(z.string()) });
export type LinkPage = z.infer<typeof linkPage>;

/** The error of one row, in the API's own error shape. */
const rowError = z.object({ code: z.string(), message: z.string(), field: z.optional(z.string()) });

/**
 * One result per data row of an import, in file order: `line` is the row's line in the file (the
 * header is line 1), `status` what creating it answered (201 created, 4xx refused with `error`).
 * `replayed`: the same row (the same idempotency key) was imported before; nothing was created again.
 */
export const importResult = z.object({
  results: z.array(
    z.object({
      line: z.number(),
      status: z.number(),
      link: z.optional(linkView),
      error: z.optional(rowError),
      replayed: z.optional(z.boolean()),
    }),
  ),
});
export type ImportResult = z.infer<typeof importResult>;

export const QR_FORMATS = ['svg', 'png'] as const;
