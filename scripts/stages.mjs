// Stages: one wrangler config per worker and stage, generated from wrangler.toml (the local values,
// one [env.<worker>] per worker) and a reviewed overlay per stage (stages/<stage>.toml).
//
// Wrangler has no nested environments, and wrangler.toml already spends its environments on the
// workers; Cloudflare's own multi-worker layouts give each worker its own config with
// [env.staging] / [env.production] instead. The overlay keeps that idea (per-stage values beside
// the code, reviewed) without splitting wrangler.toml, and the generated config is a plain,
// environment-less wrangler config (`wrangler deploy --config <it>`).
//
// How the generated config for <worker> at <stage> is made, in order:
//   1. the top-level keys of wrangler.toml (compatibility date and flags, workers_dev);
//   2. wrangler.toml's [env.<worker>];
//   3. the overlay's [all], then its [env.<worker>]:
//      - tables (vars, observability, ...) merge key by key;
//      - arrays of bindings merge entry by entry, matched on `binding` (kv_namespaces, r2_buckets,
//        services, d1_databases, queue producers) or `name` (ratelimits), so an overlay adds an
//        `id` or changes a limit without repeating the rest; every other array (routes, crons,
//        queue consumers) is replaced whole;
//   4. the name becomes <worker>-<stage>, and service bindings and Durable Object script_names
//      that name a worker of the product are pointed at the same stage's worker;
//   5. `main`, `assets.directory` and module `alias` paths are made relative to the generated file.
// The overlay may only change vars that wrangler.toml declares: the generated Env types
// (`npm run types`) stay the types of every stage.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import * as z from 'zod';
import { WORKER_NAMES, root } from './workers.mjs';

export const STAGES = /** @type {const} */ (['staging', 'production']);
/** @typedef {typeof STAGES[number]} Stage */
/** @typedef {Record<string, unknown>} Config */

/** A value the team must fill in before the first real deploy, e.g. `<LINKS-production namespace id>`. */
export const PLACEHOLDER = /^<[^<>]+>$/;

const varName = z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'an UPPER_SNAKE_CASE name');
const route = z.union([
  z.strictObject({ pattern: z.string().min(1), zone_name: z.string().min(1) }),
  z.strictObject({ pattern: z.string().min(1), custom_domain: z.literal(true) }),
]);
const kvId = z
  .string()
  .regex(/^(?:[0-9a-f]{32}|<[^<>]+>)$/, 'a KV namespace id (32 hex digits), or a <placeholder> to fill in before deploying');
const observability = z.strictObject({ enabled: z.boolean(), head_sampling_rate: z.number().min(0).max(1).optional() });
// names are lowercase, digits and dashes
const queueName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a queue name (lowercase letters, digits, dashes)');
const d1Id = z
  .string()
  .regex(/^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|<[^<>]+>)$/, 'a D1 database id (a UUID), or a <placeholder>');

const workerOverlay = z.strictObject({
  vars: z.record(varName, z.string()).optional(),
  routes: z.array(route).optional(),
  kv_namespaces: z.array(z.strictObject({ binding: z.string(), id: kvId })).optional(),
  r2_buckets: z
    .array(z.strictObject({ binding: z.string(), bucket_name: z.string().regex(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/) }))
    .optional(),
  analytics_engine_datasets: z.array(z.strictObject({ binding: z.string(), dataset: z.string().regex(/^[A-Za-z0-9_]+$/) })).optional(),
  ratelimits: z
    .array(
      z.strictObject({
        name: z.string(),
        namespace_id: z.string().regex(/^\d+$/, 'a positive integer, as a string'),
        // period 10 or 60 s
        simple: z.strictObject({ limit: z.int().positive(), period: z.union([z.literal(10), z.literal(60)]) }),
      }),
    )
    .optional(),
  triggers: z.strictObject({ crons: z.array(z.string()) }).optional(),
  observability: observability.optional(),
  // Consumers have no binding to merge on: an overlay lists each consumer whole.
  queues: z
    .strictObject({
      producers: z.array(z.strictObject({ binding: z.string(), queue: queueName })).optional(),
      consumers: z
        .array(
          z.strictObject({
            queue: queueName,
            max_batch_size: z.int().min(1).max(100).optional(),
            max_batch_timeout: z.number().min(0).max(60).optional(),
            max_retries: z.int().min(0).max(100).optional(),
            dead_letter_queue: queueName.optional(),
          }),
        )
        .optional(),
    })
    .optional(),
  d1_databases: z
    .array(
      z.strictObject({ binding: z.string(), database_name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/), database_id: d1Id.optional() }),
    )
    .optional(),
});

export const stageSchema = z.strictObject({
  all: z.strictObject({ observability: observability.optional() }).optional(),
  build: z.record(varName, z.string()).optional(),
  env: z.partialRecord(z.enum(WORKER_NAMES), workerOverlay).default({}),
});
/** @typedef {z.infer<typeof stageSchema>} StageOverlay */

/**
 * A clear error for a wrong stage, worker or overlay: `npm run deploy` prints its message and exits 2.
 */
export class StageError extends Error {
  /** @override */
  name = 'StageError';
}

/** @param {string} stage @returns {Stage} */
export function checkStage(stage) {
  if (!(/** @type {readonly string[]} */ (STAGES).includes(stage))) {
    throw new StageError(`unknown stage "${stage}": one of ${STAGES.join(', ')}`);
  }
  return /** @type {Stage} */ (stage);
}

/** @param {string} worker */
export function checkWorker(worker) {
  if (!WORKER_NAMES.includes(worker)) throw new StageError(`unknown worker "${worker}": one of ${WORKER_NAMES.join(', ')}`);
  return worker;
}

/** wrangler.toml, parsed. */
export function rootConfig(base = root) {
  return /** @type {Config & { env: Record<string, Config> }} */ (parseToml(readFileSync(join(base, 'wrangler.toml'), 'utf8')));
}

/**
 * Parses and validates an overlay. `text` is the TOML; `file` names it in errors.
 * @param {string} text
 * @param {string} file
 * @returns {StageOverlay}
 */
export function parseStage(text, file) {
  let raw;
  try {
    raw = parseToml(text);
  } catch (error) {
    throw new StageError(`${file}: not valid TOML: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = stageSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join('.') || '(top level)'}: ${issue.message}`);
    throw new StageError(`${file} is not a valid stage file:\n${problems.join('\n')}`);
  }
  const links = ['shortener', 'redirector'].map((w) => parsed.data.env[w]?.kv_namespaces?.find((kv) => kv.binding === 'LINKS')?.id);
  if (links[0] !== links[1]) {
    throw new StageError(
      `${file}: env.shortener and env.redirector must bind LINKS to the same KV namespace id (they share it), got ${links.join(' and ')}`,
    );
  }
  return parsed.data;
}

/** @param {Stage} stage */
export function loadStage(stage, base = root) {
  const file = `stages/${stage}.toml`;
  return parseStage(readFileSync(join(base, file), 'utf8'), file);
}

/**
 * @param {unknown} value
 * @returns {value is Config}
 */
const isTable = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The key an array entry merges on, if it is a binding. @param {unknown} entry */
const entryKey = (entry) => (isTable(entry) ? (entry.binding ?? entry.name) : undefined);

/**
 * `overlay` on top of `base`, by the rules in the header. Neither argument is changed.
 * @param {Config} base
 * @param {Config} overlay
 * @returns {Config}
 */
export function mergeConfig(base, overlay) {
  /** @type {Config} */
  const out = { ...base };
  for (const [key, value] of Object.entries(overlay)) {
    const current = out[key];
    if (isTable(current) && isTable(value)) out[key] = mergeConfig(current, value);
    else if (Array.isArray(current) && Array.isArray(value) && value.every((e) => entryKey(e) !== undefined)) {
      const merged = current.map((entry) => {
        const match = value.find((e) => entryKey(e) === entryKey(entry));
        return match && isTable(entry) ? mergeConfig(entry, /** @type {Config} */ (match)) : entry;
      });
      for (const entry of value) if (!current.some((e) => entryKey(e) === entryKey(entry))) merged.push(entry);
      out[key] = merged;
    } else out[key] = value;
  }
  return out;
}

/**
 * The wrangler config of `worker` at `stage`, as written to `file` (paths are made relative to it).
 * @param {string} worker
 * @param {Stage} stage
 * @param {{ base?: string, file?: string, overlay?: StageOverlay }} [options]
 * @returns {Config}
 */
export function stageConfig(worker, stage, { base = root, file = generatedConfigPath(worker, stage, base), overlay } = {}) {
  checkWorker(worker);
  const { env = {}, ...topLevel } = rootConfig(base);
  const local = env[worker];
  if (!local) throw new StageError(`wrangler.toml has no [env.${worker}]`);
  const stageOverlay = overlay ?? loadStage(stage, base);
  const own = /** @type {Config} */ (stageOverlay.env[worker] ?? {});

  const localVars = /** @type {Record<string, string>} */ (local.vars ?? {});
  const unknown = Object.keys(/** @type {Config} */ (own.vars ?? {})).filter((name) => !(name in localVars));
  if (unknown.length > 0) {
    throw new StageError(
      `stages/${stage}.toml: env.${worker}.vars sets ${unknown.join(', ')}, which [env.${worker}.vars] in wrangler.toml does not declare (add it there first: the Env types come from it)`,
    );
  }

  let config = mergeConfig(mergeConfig(mergeConfig(topLevel, local), /** @type {Config} */ (stageOverlay.all ?? {})), own);
  config = { ...config, name: stagedName(worker, stage) };
  config = rewire(config, stage);
  const dir = dirname(file);
  config.main = relative(dir, join(base, String(config.main)));
  if (isTable(config.assets)) config.assets = { ...config.assets, directory: relative(dir, join(base, String(config.assets.directory))) };
  // Module aliases that name a file of the repository are paths relative to the config file too.
  if (isTable(config.alias)) {
    config.alias = Object.fromEntries(
      Object.entries(config.alias).map(([name, to]) => [
        name,
        String(to).startsWith('.') ? `./${relative(dir, join(base, String(to)))}` : to,
      ]),
    );
  }
  return config;
}

/** @param {string} worker @param {Stage} stage */
export const stagedName = (worker, stage) => `${worker}-${stage}`;

/**
 * Service bindings and Durable Object script_names naming a worker of the product point at the same
 * stage's worker.
 * @param {Config} config
 * @param {Stage} stage
 * @returns {Config}
 */
function rewire(config, stage) {
  /** @param {string} name */
  const staged = (name) => (WORKER_NAMES.includes(name) ? stagedName(name, stage) : name);
  const out = { ...config };
  if (Array.isArray(out.services)) {
    out.services = out.services.map((s) => ({ ...s, service: staged(String(s.service)) }));
  }
  const durable = isTable(out.durable_objects) ? out.durable_objects : null;
  if (durable && Array.isArray(durable.bindings)) {
    out.durable_objects = {
      ...durable,
      bindings: durable.bindings.map((b) => (b.script_name ? { ...b, script_name: staged(String(b.script_name)) } : b)),
    };
  }
  return out;
}

/** Where the generated config of `worker` at `stage` goes. @param {string} worker @param {Stage} stage */
export function generatedConfigPath(worker, stage, base = root) {
  return join(base, '.wrangler', 'stages', stage, `${worker}.json`);
}

/** Where `npm run deploy -- --dry-run` leaves the bundle. @param {string} worker @param {Stage} stage */
export function bundleDir(worker, stage, base = root) {
  return join(base, '.wrangler', 'stages', stage, worker);
}

/**
 * Writes the generated config and answers its path.
 * @param {string} worker
 * @param {Stage} stage
 */
export function writeStageConfig(worker, stage) {
  const file = generatedConfigPath(worker, stage);
  const config = stageConfig(worker, stage, { file });
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
  return { file, config };
}

/**
 * Every placeholder value left in a config, as `path: value`.
 * @param {unknown} value
 * @param {string} [path]
 * @returns {string[]}
 */
export function placeholders(value, path = '') {
  if (typeof value === 'string') return PLACEHOLDER.test(value) ? [`${path}: ${value}`] : [];
  if (Array.isArray(value)) return value.flatMap((entry, i) => placeholders(entry, `${path}[${i}]`));
  if (isTable(value)) return Object.entries(value).flatMap(([key, entry]) => placeholders(entry, path ? `${path}.${key}` : key));
  return [];
}
