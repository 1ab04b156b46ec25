/**
 * One config loader for every worker: vars are parsed once per `env` (so once per isolate) by a
 * worker's own `read(env)`, and a bad value fails loudly. The error names the var, and turns into a
 * 500 `config_invalid` at the error boundary: a deploy-time mistake is an outage of ours, never a
 * reaction to a client's input, and the same message reaches the cron's and the deploy check's logs.
 */
import { HttpError } from './http/errors.ts';
import { perIsolate } from './isolate.ts';

export class ConfigError extends HttpError {
  readonly variable: string;

  constructor(variable: string, message: string) {
    super(500, 'config_invalid', `${variable}: ${message}`, { field: variable });
    this.name = 'ConfigError';
    this.variable = variable;
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
