// Building DOM without a framework: the page is a handful of panels redrawn from plain data, and text
// always goes in as text (names come from clusters and Secrets: never parsed as HTML).

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | undefined | ((e: Event) => void)>;

function apply(el: Element, attrs: Attrs): void {
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.replace(/^on/, ''), value as EventListener);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
}

function append(el: Element, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'number' ? String(c) : c);
  }
}

/** An HTML element: h('td', { class: 'x' }, 'text', child). */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  apply(el, attrs);
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** An SVG element, same shape as h(). */
export function s<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag) as SVGElementTagNameMap[K];
  apply(el, attrs);
  append(el, children);
  return el;
}

/** Replaces an element's children. */
export function fill(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

/** A link to the JSON behind a panel (opens pretty-printed, in a new tab). */
export function jsonLink(path: string, label = 'JSON'): HTMLAnchorElement {
  const sep = path.includes('?') ? '&' : '?';
  return h('a', { class: 'json-link', href: `${path}${sep}pretty`, target: '_blank', rel: 'noopener', title: `the JSON behind this: /${path}` }, label);
}

/** "12:03:04" in local time. */
export function clock(date: Date): string {
  return date.toLocaleTimeString([], { hour12: false });
}
