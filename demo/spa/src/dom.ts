/** Tiny DOM helpers: build elements from data without innerHTML (text is always escaped). */
type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<Record<string, string>> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value !== undefined) element.setAttribute(name, value);
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child);
  }
  return element;
}

/** An in-app link: the router intercepts clicks on `a[data-link]`. */
export function link(href: string, text: string, props: Partial<Record<string, string>> = {}): HTMLAnchorElement {
  return h('a', { href, 'data-link': '', ...props }, text);
}
