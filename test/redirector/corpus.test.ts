// The click classifier on a labelled corpus of real-world requests (corpus.json): every request is
// classified as the redirector does it (classifyClick, then the burst rule for human-looking clicks,
// replayed in time order), and precision and recall per kind must hold. The README quotes the table.
import { describe, expect, it } from 'vitest';
import { CLICK_KINDS, type ClickKind } from '../../shared/links/record.ts';
import { classifyClick } from '../../workers/redirector/src/classify.ts';
import { Bursts } from '../../workers/redirector/src/clicks.ts';
import corpusFile from './corpus.json';

interface Labelled {
  label: ClickKind;
  method: string;
  headers: Record<string, string>;
  note: string;
  at: number;
  code: string;
}

/** The production burst rule (stages/*.toml): 3 distinct links from one address within 2 s. */
const RULE = { links: 3, windowMs: 2000 };

function classifyAll(requests: Labelled[]): ClickKind[] {
  const kinds: ClickKind[] = [];
  const bursts = new Bursts(RULE);
  const held = new Map<string, number[]>();
  const release = (now: number) => {
    for (const { click, kind } of bursts.release(now)) {
      for (const i of held.get(click.client ?? '') ?? []) kinds[i] = kind;
      held.delete(click.client ?? '');
    }
  };
  requests.forEach((request, i) => {
    release(request.at);
    const headers = new Headers(request.headers);
    const kind = classifyClick(request.method, headers);
    kinds[i] = kind;
    const client = headers.get('CF-Connecting-IP');
    if (kind === 'human' && bursts.hold({ code: request.code, kind, referrer: '', country: '', qr: false, client }, request.at)) {
      held.set(client ?? '', [...(held.get(client ?? '') ?? []), i]);
    }
  });
  release(Infinity);
  return kinds;
}

describe('the click classifier on the labelled corpus', () => {
  const requests = (corpusFile as unknown as { requests: Labelled[] }).requests;
  const predicted = classifyAll(requests);

  it('holds at least 200 requests of every kind, in time order', () => {
    expect(requests.length).toBeGreaterThanOrEqual(200);
    for (const kind of CLICK_KINDS) expect(requests.filter((r) => r.label === kind).length, kind).toBeGreaterThanOrEqual(15);
    expect(requests.every((r, i) => i === 0 || (requests[i - 1] as Labelled).at <= r.at)).toBe(true);
  });

  it('gives every request exactly one kind, with high precision and recall for each', () => {
    expect(predicted).toHaveLength(requests.length);
    const rows = CLICK_KINDS.map((kind) => {
      const truePositive = requests.filter((r, i) => r.label === kind && predicted[i] === kind).length;
      const predictedAs = predicted.filter((k) => k === kind).length;
      const labelled = requests.filter((r) => r.label === kind).length;
      return { kind, labelled, precision: truePositive / predictedAs, recall: truePositive / labelled };
    });
    const misses = requests.flatMap((r, i) => (predicted[i] === r.label ? [] : [`${r.label} -> ${predicted[i]}: ${r.note}`]));
    console.log(
      [
        '| kind | requests | precision | recall |',
        '|---|---|---|---|',
        ...rows.map((r) => `| ${r.kind} | ${r.labelled} | ${r.precision.toFixed(3)} | ${r.recall.toFixed(3)} |`),
      ].join('\n'),
    );
    console.log(misses.join('\n'));
    // A person is almost never counted as anything else, and almost nothing else as a person.
    expect(rows.find((r) => r.kind === 'human')?.precision).toBeGreaterThanOrEqual(0.97);
    expect(rows.find((r) => r.kind === 'human')?.recall).toBeGreaterThanOrEqual(0.99);
    for (const row of rows) {
      expect(row.precision, row.kind).toBeGreaterThanOrEqual(0.95);
      expect(row.recall, row.kind).toBeGreaterThanOrEqual(row.kind === 'scanner' ? 0.9 : 0.97);
    }
    // The known misses are the ones the corpus says cannot be told apart.
    expect(misses.every((m) => m.includes('a known miss'))).toBe(true);
  });
});
