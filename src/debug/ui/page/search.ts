// Service search: `/` focuses it from anywhere, typing filters, arrows move, Enter picks, Escape
// leaves. An ARIA combobox, so it works with a screen reader too.
import { h } from './dom.js';

const MAX_SHOWN = 30;

export class ServiceSearch {
  readonly element: HTMLElement;
  private readonly input: HTMLInputElement;
  private readonly list: HTMLUListElement;
  private options: string[] = [];
  private shown: string[] = [];
  private active = -1;

  constructor(private readonly onPick: (hostPort: string) => void) {
    this.input = h('input', {
      id: 'service-search',
      type: 'search',
      placeholder: 'Search services…',
      autocomplete: 'off',
      spellcheck: 'false',
      role: 'combobox',
      'aria-expanded': 'false',
      'aria-controls': 'service-results',
      'aria-autocomplete': 'list',
      'aria-label': 'search services (press / to focus)',
    });
    this.list = h('ul', { id: 'service-results', class: 'results', role: 'listbox', hidden: true });
    this.element = h('div', { class: 'search' }, this.input, h('kbd', { class: 'search-key', 'aria-hidden': 'true' }, '/'), this.list);
    this.input.addEventListener('input', () => this.update());
    this.input.addEventListener('focus', () => this.update());
    this.input.addEventListener('blur', () => setTimeout(() => this.close(), 150));
    this.input.addEventListener('keydown', (e) => this.key(e));
    document.addEventListener('keydown', (e) => {
      if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey) return;
      const t = e.target as HTMLElement | null;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.isContentEditable)) return;
      e.preventDefault();
      this.input.focus();
      this.input.select();
    });
  }

  /** `host:port` of every service port. */
  setOptions(options: string[]): void {
    this.options = options;
    if (document.activeElement === this.input) this.update();
  }

  private update(): void {
    const q = this.input.value.trim().toLowerCase();
    const terms = q.split(/\s+/).filter(Boolean);
    this.shown = this.options.filter((o) => terms.every((t) => o.toLowerCase().includes(t))).slice(0, MAX_SHOWN);
    this.active = this.shown.length > 0 ? 0 : -1;
    this.draw();
  }

  private draw(): void {
    this.list.replaceChildren(
      ...this.shown.map((o, i) =>
        h(
          'li',
          { id: `service-option-${i}`, role: 'option', class: i === this.active ? 'active' : '', 'aria-selected': String(i === this.active), onmousedown: (e: Event) => (e.preventDefault(), this.pick(o)) },
          o,
        ),
      ),
    );
    if (this.shown.length === 0 && this.input.value.trim() !== '') this.list.append(h('li', { class: 'none' }, 'no service matches'));
    const open = document.activeElement === this.input && this.list.childElementCount > 0;
    this.list.hidden = !open;
    this.input.setAttribute('aria-expanded', String(open));
    if (this.active >= 0) this.input.setAttribute('aria-activedescendant', `service-option-${this.active}`);
    else this.input.removeAttribute('aria-activedescendant');
  }

  private key(e: KeyboardEvent): void {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (this.shown.length === 0) return;
      this.active = (this.active + (e.key === 'ArrowDown' ? 1 : -1) + this.shown.length) % this.shown.length;
      this.draw();
      this.list.children[this.active]?.scrollIntoView({ block: 'nearest' });
    } else if (e.key === 'Enter') {
      e.preventDefault();
      const o = this.shown[this.active];
      if (o) this.pick(o);
    } else if (e.key === 'Escape') {
      this.input.value = '';
      this.input.blur();
      this.close();
    }
  }

  private pick(option: string): void {
    this.input.value = '';
    this.input.blur();
    this.close();
    this.onPick(option);
  }

  private close(): void {
    this.list.hidden = true;
    this.input.setAttribute('aria-expanded', 'false');
  }
}
