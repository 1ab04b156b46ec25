/**
 * What an operator does in the console, as browser steps (puppeteer): sign in, read and fill the
 * screens. Shared by the screens test (stand-in owners) and the whole-path proof (a running stack),
 * so both drive the UI the same way an operator would, keyboard first.
 */
import type { Page } from 'puppeteer-core';

export const KINDS = ['human', 'bot', 'preview', 'scanner', 'head'] as const;

export class ConsoleDriver {
  constructor(
    readonly page: Page,
    readonly origin: string,
  ) {}

  /** The sign-in form, typed into and submitted with Enter: lands on `next`. */
  async signIn(token: string, next = '/links'): Promise<void> {
    await this.page.goto(`${this.origin}/signin?next=${encodeURIComponent(next)}`);
    // The token field has focus on arrival (autofocus).
    await this.page.waitForFunction(() => document.activeElement?.getAttribute('name') === 'token');
    await this.page.keyboard.type(token);
    await Promise.all([this.page.waitForNavigation(), this.page.keyboard.press('Enter')]);
  }

  async open(path: string): Promise<void> {
    await this.page.goto(`${this.origin}${path}`);
  }

  /** The codes in the links table, once it has loaded. */
  async linkCodes(): Promise<string[]> {
    await this.page.waitForSelector('#links tbody tr');
    return this.page.$$eval('#links tbody tr td:first-child a', (links) => links.map((a) => a.textContent ?? ''));
  }

  /** Fills the create form (URL, optional slug) and submits; answers the outcome or the field's error. */
  async createLink(url: string, slug?: string): Promise<{ created: string | null; slugError: string | null; urlError: string | null }> {
    await this.page.locator('#create-url').fill(url);
    if (slug !== undefined) await this.page.locator('#create-slug').fill(slug);
    await this.page.locator('#create-heading + form button[type=submit]').click();
    await this.page.waitForFunction(
      () =>
        document.querySelector('#create-heading ~ .notice') !== null ||
        document.querySelector('#create-slug-error, #create-url-error, #create-heading ~ form .notice') !== null,
    );
    return this.page.evaluate(() => ({
      created: document.querySelector('#create-heading ~ .notice.ok a')?.textContent ?? null,
      slugError: document.querySelector('#create-slug-error')?.textContent ?? null,
      urlError: document.querySelector('#create-url-error')?.textContent ?? null,
    }));
  }

  /** A link's totals by kind, from its page. */
  async clickTotals(): Promise<Record<(typeof KINDS)[number], number>> {
    await this.page.waitForSelector('.totals li[data-kind]');
    return this.page.$$eval('.totals li[data-kind]', (items) =>
      Object.fromEntries(
        items.map((li) => [li.getAttribute('data-kind'), Number((li.querySelector('.value')?.textContent ?? '0').replace(/\D/g, ''))]),
      ),
    ) as Promise<Record<(typeof KINDS)[number], number>>;
  }

  /** The breaker state the feed screen shows for its first upstream. */
  async breakerState(): Promise<string> {
    await this.page.waitForSelector('.state[data-state]');
    return this.page.$eval('.state[data-state]', (el) => el.getAttribute('data-state') ?? '');
  }

  /** The age cell of a snapshot row (URL and device), as shown. */
  async snapshotAge(url: string, device: string): Promise<string | null> {
    await this.page.waitForSelector('#snapshots tbody tr');
    return this.page.$$eval(
      '#snapshots tbody tr',
      (rows, wanted) => {
        const row = rows.find((r) => r.children[0]?.textContent === wanted.url && r.children[1]?.textContent === wanted.device);
        return row?.children[2]?.textContent ?? null;
      },
      { url, device },
    );
  }

  /** Recaches one URL from the prerender screen; answers the outcome line. */
  async recache(url: string): Promise<string> {
    await this.page.locator('#action-target').fill(url);
    await this.page.locator('#actions-heading + form button[type=submit]').click();
    const outcome = await this.page.waitForSelector('#actions-heading ~ .notice');
    return (await outcome?.evaluate((el) => el.textContent ?? '')) ?? '';
  }
}
