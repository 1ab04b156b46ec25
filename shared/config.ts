/**
 * One config loader for every worker: vars are parsed once per `env` (so once per isolate) by a
 * worker's own `read(env)`, and a bad value fails loudly. The error names the var, and turns into a
 * 500 `config_invalid` at the error boundary: a deploy-time mistake is an outage of ours, never a
 * reaction to a client's input, and the same message reaches the cron's and the deploy check's logs.
 */
import { HttpError, type ErrorIssue } from './http/errors.ts';
import { perIsolate } from './isolate.ts';

export class ConfigError extends HttpError {
  readonly variable: string;

  constructor(variable: string, message: string, issues?: ErrorIssue[]) {
    super(500, 'config_invalid', `${variable}: ${message}`, { field: variable, ...(issues !== undefined && { issues }) });
    this.name = 'ConfigError';
    this.variable = variable;
  }

  /** One error for every bad var found (`field` is a var, or a dotted path inside one). */
  static of(issues: readonly ErrorIssue[]): ConfigError {
    const [first, ...rest] = issues;
    const variable = first?.field.split('.')[0] ?? 'config';
    const message = [first?.message ?? 'is invalid', ...rest.map((i) => `${i.field}: ${i.message}`)].join('; ');
    return new ConfigError(variable, message, [...issues]);
  }
}

/** `configOf(env)`: `read(env)` memoised per `env`; `read` throws `ConfigError` for a bad var. */
export function configLoader<E extends object, C>(read: (env: E) => C): (env: E) => C {
  return perIsolate(read);
}

/** Comma-separated list from a var: trimmed, empty items dropped. */
export function listVar(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

/**
 * A non-negative integer var: unset or empty is `fallback`, anything else not an integer is a
 * `ConfigError` naming it. For workers that parse a var or two without a schema library.
 */
export function integerVar<E extends object>(env: E, name: keyof E & string, fallback: number): number {
  const value = env[name] as unknown;
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new ConfigError(name, `"${String(value)}" is not a non-negative integer`);
  return n;
}
