/**
 * Built SPAs that change from deploy to deploy the way real ones do, for the skew-window and delta
 * tests: seeded (the same seed gives the same builds), files named by a hash of their bytes in the
 * naming schemes scripts/hashed.mjs knows, and each deploy editing a few lines of a few chunks,
 * sometimes renaming one, adding one or dropping one.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRng } from '../../bench/stats.ts';

/** Seeded: the same seed gives the same builds (mulberry32, as the bench's statistics use). */
export const seeded = createRng;

const WORDS = ['render', 'route', 'feed', 'article', 'cache', 'token', 'header', 'layout', 'button', 'state', 'fetch', 'list'];

/** One chunk: a stable name (`app`, `view-3`) and its lines; the built file name adds a hash. */
export interface Chunk {
  name: string;
  kind: 'js' | 'css';
  /** How its hash is spelled: webpack `name.[hex8].js` or Vite `name-[base64url8].js`. */
  naming: 'dot-hex' | 'dash-base64url';
  lines: string[];
}

function line(random: () => number, i: number, kind: Chunk['kind']): string {
  const word = () => WORDS[Math.floor(random() * WORDS.length)]!;
  return kind === 'js'
    ? `export function ${word()}_${i}(input) { return input.${word()} ?? "${word()} ${word()} ${Math.floor(random() * 1e6)}"; }`
    : `.${word()}-${i} { margin: ${Math.floor(random() * 40)}px; color: #${Math.floor(random() * 0xffffff)
        .toString(16)
        .padStart(6, '0')}; }`;
}

/** The first deploy's chunks: an entry, a few lazily loaded views, a vendor chunk and a stylesheet. */
export function firstChunks(random: () => number): Chunk[] {
  const make = (name: string, kind: Chunk['kind'], naming: Chunk['naming'], count: number): Chunk => ({
    name,
    kind,
    naming,
    lines: Array.from({ length: count }, (_, i) => line(random, i, kind)),
  });
  return [
    make('app', 'js', 'dot-hex', 120),
    make('vendor', 'js', 'dash-base64url', 400),
    make('view-article', 'js', 'dot-hex', 80),
    make('view-feed', 'js', 'dash-base64url', 60),
    make('styles', 'css', 'dot-hex', 90),
  ];
}

/** The next deploy: a few lines of a few chunks edited; sometimes a chunk renamed, added or dropped. */
export function nextChunks(random: () => number, chunks: readonly Chunk[]): Chunk[] {
  let next = chunks.map((chunk) => ({ ...chunk, lines: [...chunk.lines] }));
  for (const chunk of next) {
    if (random() < 0.5) continue;
    const edits = 1 + Math.floor(random() * 3);
    for (let e = 0; e < edits; e++) {
      const at = Math.floor(random() * chunk.lines.length);
      chunk.lines[at] = line(random, at, chunk.kind);
    }
  }
  const roll = random();
  const views = next.filter((c) => c.name.startsWith('view-'));
  if (roll < 0.2 && views.length > 0) {
    const renamed = views[Math.floor(random() * views.length)]!;
    renamed.name = `${renamed.name}-v${Math.floor(random() * 1000)}`; // a renamed chunk: a new entry key
  } else if (roll < 0.35) {
    next.push({
      name: `view-extra${Math.floor(random() * 1000)}`,
      kind: 'js',
      naming: 'dot-hex',
      lines: [line(random, 0, 'js'), line(random, 1, 'js')],
    });
  } else if (roll < 0.45 && views.length > 1) {
    const dropped = views[Math.floor(random() * views.length)]!;
    next = next.filter((c) => c !== dropped);
  }
  return next;
}

/** The file name of a chunk: its stable name plus a hash of its bytes in its naming scheme. */
export function fileNameOf(chunk: Chunk): string {
  const digest = createHash('sha256').update(chunk.lines.join('\n'));
  // Each hash is spelled so that it always reads as one (scripts/hashed.mjs): hex with a digit and a
  // letter (all-digit hex reads as a date), base64url with a digit.
  if (chunk.naming === 'dot-hex') return `${chunk.name}.${digest.digest('hex').slice(0, 6)}9a.${chunk.kind}`;
  return `${chunk.name}-${digest.digest('base64url').slice(0, 7)}7.${chunk.kind}`;
}

/** Writes a built SPA into `dir`: index.html naming every chunk, the chunks under assets/, and robots.txt. Answers the URL paths. */
export function writeSpa(dir: string, chunks: readonly Chunk[], marker: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const chunk of chunks) files[`/assets/${fileNameOf(chunk)}`] = `${chunk.lines.join('\n')}\n`;
  const tags = Object.keys(files).map((path) =>
    path.endsWith('.css') ? `<link rel="stylesheet" href="${path}">` : `<script type="module" src="${path}"></script>`,
  );
  files['/index.html'] = `<!doctype html><html><head><title>${marker}</title>${tags.join('')}</head><body></body></html>\n`;
  files['/robots.txt'] = 'User-agent: *\nAllow: /\n';
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return files;
}
