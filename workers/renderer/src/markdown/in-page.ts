/**
 * Runs inside the rendered page (bundled with turndown into `page-script.generated.ts` by
 * `generate.mjs`): the page's main content as Markdown, converted from the live DOM.
 *
 * - Main content: `<main>`, else `[role=main]`, else the only `<article>`, else `<body>` without its
 *   banner, navigation, complementary and footer landmarks.
 * - Gone: scripts, styles, templates, frames, forms, `<nav>`, and whatever the reader cannot see
 *   (`hidden`, `aria-hidden`, `display: none`, `visibility: hidden`), judged on the live DOM where
 *   the styles are computed, before the content is cloned.
 * - Gone too: asides that are lists of links ("Read next", related articles, tags, share links),
 *   navigation inside the content whatever its element. An aside that is mostly prose (a note, a
 *   pull quote) stays.
 * - Links and images: made absolute (the DOM resolves them against the page); a link that is not
 *   http(s) keeps its text only. Images keep their alt text.
 * - Tables, strikethrough and task lists as GitHub Flavored Markdown (Joplin's maintained turndown
 *   plugin); list items with one space after the marker.
 * - A page whose content has no level-1 heading gets its `<title>` as one.
 */
import { gfm } from '@joplin/turndown-plugin-gfm';
import TurndownService from 'turndown';

/** Elements never part of the content, wherever they are. */
const NOT_CONTENT =
  'script, style, noscript, template, iframe, object, embed, canvas, svg, form, button, input, select, textarea, dialog, nav, [hidden], [aria-hidden="true"], [role="navigation"]';

/** Landmarks dropped when the content is the whole body: the site's chrome, not the page's. */
const CHROME = 'body > header, body > footer, body > aside, [role="banner"], [role="contentinfo"], [role="complementary"]';

const HIDDEN_MARK = 'data-prerender-markdown-hidden';

/** Complementary content: kept when it is prose, dropped when it is a list of links. */
const ASIDES = 'aside, [role="complementary"]';

/** At least this share of an aside's text inside links makes it navigation (Readability's link density). */
const LINK_LIST_DENSITY = 0.5;

function mainContent(doc: Document): { root: Element; chrome: boolean } {
  const main = doc.querySelector('main') ?? doc.querySelector('[role="main"]');
  if (main) return { root: main, chrome: false };
  const articles = doc.querySelectorAll('article');
  if (articles.length === 1) return { root: articles[0]!, chrome: false };
  return { root: doc.body, chrome: true };
}

/** Marks the elements under `root` a reader cannot see (computed style), so the clone can drop them. */
function markHidden(root: Element): void {
  for (const element of root.querySelectorAll('*')) {
    const style = getComputedStyle(element);
    if (style.display === 'none' || style.visibility === 'hidden' || style.visibility === 'collapse') {
      element.setAttribute(HIDDEN_MARK, '');
    }
  }
}

const letters = (node: Node) => (node.textContent ?? '').replace(/\s+/g, '').length;

function isLinkList(element: Element): boolean {
  const text = letters(element);
  let linked = 0;
  for (const link of element.querySelectorAll('a')) linked += letters(link);
  return text === 0 || linked / text >= LINK_LIST_DENSITY;
}

function absolutise(root: Element): void {
  for (const link of root.querySelectorAll<HTMLAnchorElement>('a[href]')) {
    if (link.protocol === 'http:' || link.protocol === 'https:') link.setAttribute('href', link.href);
    else link.removeAttribute('href');
  }
  for (const image of root.querySelectorAll<HTMLImageElement>('img')) {
    if (image.getAttribute('src')) image.setAttribute('src', image.src);
  }
}

export function pageMarkdown(): string {
  const { root, chrome } = mainContent(document);
  markHidden(root);
  const content = root.cloneNode(true) as Element;
  for (const element of content.querySelectorAll(`${NOT_CONTENT}, [${HIDDEN_MARK}]`)) element.remove();
  if (chrome) for (const element of content.querySelectorAll(CHROME)) element.remove();
  for (const aside of content.querySelectorAll(ASIDES)) if (isLinkList(aside)) aside.remove();
  absolutise(content);

  const turndown = new TurndownService({ headingStyle: 'atx', codeBlockStyle: 'fenced', bulletListMarker: '-', emDelimiter: '_' });
  turndown.use(gfm);
  // turndown pads list markers to four columns (`-   item`); one space is what people write.
  turndown.addRule('tight-list-item', {
    filter: 'li',
    replacement(content, node, options) {
      const parent = node.parentNode as HTMLElement;
      const index = Array.prototype.indexOf.call(parent.children, node);
      const start = Number(parent.getAttribute('start') ?? '1');
      const marker = parent.nodeName === 'OL' ? `${start + index}. ` : `${options.bulletListMarker} `;
      const body = content
        .replace(/^\n+/, '')
        .replace(/\n+$/, '\n')
        .replace(/\n/gm, `\n${' '.repeat(marker.length)}`);
      return marker + body + (node.nextSibling && !body.endsWith('\n') ? '\n' : '');
    },
  });
  // A link without an href (a non-http one above) is its text.
  turndown.addRule('plain-anchor', {
    filter: (node) => node.nodeName === 'A' && !node.getAttribute('href'),
    replacement: (text) => text,
  });
  let markdown = turndown.turndown(content as HTMLElement).trim();
  if (!/^# /m.test(markdown) && document.title.trim() !== '') markdown = `# ${turndown.escape(document.title.trim())}\n\n${markdown}`;
  return `${markdown}\n`;
}
