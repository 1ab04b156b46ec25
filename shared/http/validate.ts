/**
 * zod at the boundary. The project's one zod flavour is `zod/mini` (`import * as z from 'zod/mini'`):
 * its functions tree-shake, so a worker carries only the checks it uses (the classic build costs
 * about 26 KB gzipped for a two-field schema, more than the redirector's whole 20 KB budget; mini
 * about 7 KB with the English messages below). The README's libraries section says more.
 *
 * - `parseInput`: a request's body or query; a failure is a 400 naming the field and the reason.
 * - `parseVars`: a worker's vars; a failure is the 500 `config_invalid` of shared/config.ts.
 *
 * Zod 4 leaves `input` out of the issues it returns, so a reader of `error.issues` cannot tell a
 * missing field from a wrong type. The reason is worded while parsing instead, where zod still
 * hands the input to the error map: "is required", or "must be a string, not a number".
 */
import { config, refine, safeParse } from 'zod/mini';
import type { $ZodIssue, $ZodRawIssue, $ZodType, output } from 'zod/v4/core';
import en from 'zod/v4/locales/en.js';
import { ConfigError } from '../config.ts';
import { badRequest, type ErrorIssue } from './errors.ts';

// Messages of every other issue (too long, too small, bad format, ...) in English.
config(en());

export interface ParseInputOptions {
  /** Prefix of every field, e.g. `links.3` for an item of a bulk body. */
  prefix?: string;
  /** The error code of the 400 (default `invalid_input`). */
  code?: string;
}

/** `schema`'s output for `value`, or a 400 listing every issue, the first one named in `field`. */
export function parseInput<S extends $ZodType>(schema: S, value: unknown, options: ParseInputOptions = {}): output<S> {
  const result = safeParse(schema, value, { error: typeReason });
  if (result.success) return result.data;
  const prefix = options.prefix ?? '';
  const issues = issuesOf(result.error.issues, prefix);
  const first = issues[0] ?? { field: prefix || 'body', message: 'is invalid' };
  throw badRequest(options.code ?? 'invalid_input', `${first.field}: ${first.message}`, { field: first.field, issues });
}

/** `schema`'s output for a worker's vars, or a `ConfigError` naming every bad var. */
export function parseVars<S extends $ZodType>(schema: S, vars: unknown): output<S> {
  const result = safeParse(schema, vars, { error: typeReason });
  if (result.success) return result.data;
  const issues = issuesOf(result.error.issues, '');
  throw ConfigError.of(issues);
}

/** zod's issues as the error body's `issues`: a dotted field path each, unknown keys one by one. */
export function issuesOf(issues: readonly $ZodIssue[], prefix = ''): ErrorIssue[] {
  return issues.flatMap((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: [path, key].filter(Boolean).join('.'), message: 'is not a known field' }));
    }
    return [{ field: path || 'body', message: issue.message }];
  });
}

/**
 * The error map of every parse: words a type mismatch from the input zod still holds here. A
 * schema's own `error` outranks it; other issues fall through to the English messages.
 */
export function typeReason(issue: $ZodRawIssue): string | undefined {
  if (issue.code !== 'invalid_type') return undefined;
  if (issue.input === undefined) return 'is required';
  return `must be ${withArticle(issue.expected === 'int' ? 'integer' : issue.expected)}, not ${withArticle(typeName(issue.input))}`;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && Number.isNaN(value)) return 'NaN';
  return typeof value;
}

function withArticle(word: string): string {
  if (word === 'null' || word === 'undefined' || word === 'NaN') return word;
  return `${/^[aeiou]/.test(word) ? 'an' : 'a'} ${word}`;
}

/** An integer check for `z.number()` and `z.coerce.number()` (mini has `z.int()` only as a schema). */
export const integer = () => refine(Number.isInteger, 'must be an integer');
