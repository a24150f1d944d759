// board.js - cards laid out in collapsible tag groups, drawn only on screen.
//
// Every tab shows the same layout: tags grouped by the prefix before the
// first '/' (`Loss/Train`, `Loss/Val` → `Loss`), a group header that
// collapses it, and a grid of cards. The board owns the layout and an
// IntersectionObserver; the view owns what is inside a card and is told
// when a card comes on or goes off screen, so off-screen cards are never
// drawn. Cards are keyed and reused across updates (charts survive a filter
// change). Names are set as text only.

import { state } from './state.js';
import { icon } from './icons.js';
import { compareNatural } from './format.js';
import { isPinned, pinnedKeys, syncPin, PINNED_GROUP } from './pins.js';

/** The group of a tag: its prefix before the first '/', or the whole tag. */
export function tagGroup(tag) {
  const i = tag.indexOf('/');
  return i > 0 ? tag.slice(0, i) : tag;
}

export class Board {
  /**
   * view: {create(item) → HTMLElement, visible(item, el, onScreen), removed(item, el)}
   * tab: the tab name (collapsed groups are remembered per tab).
   */
  constructor(container, tab, view) {
    this.container = container;
    this.tab = tab;
    this.view = view;
    this.cards = new Map(); // key -> {item, el, onScreen}
    this.groups = new Map(); // group -> {section, grid, count}
    this.io = new IntersectionObserver((entries) => this.intersect(entries), { rootMargin: '300px 0px' });
    this.empty = document.createElement('div');
    this.empty.className = 'empty-state';
  }

  /**
   * items: [{key, tag, ...}] in display order within a tag; grouped and
   * sorted here. emptyState: {title, text} shown instead when items is empty.
   */
  update(items, emptyState) {
    const collapsed = new Set(state.get('collapsed'));
    const byGroup = new Map();
    const pinOrder = new Map(pinnedKeys(this.tab).map((k, i) => [k, i]));
    for (const it of items) {
      // pinned cards leave their group for the "Pinned" one, shown first
      const g = pinOrder.has(it.key) ? PINNED_GROUP : tagGroup(it.tag);
      if (!byGroup.has(g)) byGroup.set(g, []);
      byGroup.get(g).push(it);
    }
    const names = [...byGroup.keys()].sort(compareNatural); // PINNED_GROUP ('') first
    const seen = new Set();
    const sections = [];
    for (const g of names) {
      const list = byGroup.get(g);
      if (g === PINNED_GROUP) list.sort((a, b) => pinOrder.get(a.key) - pinOrder.get(b.key));
      else list.sort((a, b) => compareNatural(a.tag, b.tag) || (a.order || 0) - (b.order || 0));
      const grp = this.group(g);
      const isCollapsed = collapsed.has(`${this.tab}:${g}`);
      grp.section.classList.toggle('collapsed', isCollapsed);
      grp.head.setAttribute('aria-expanded', String(!isCollapsed));
      grp.count.textContent = String(list.length);
      const els = [];
      for (const it of list) {
        seen.add(it.key);
        let c = this.cards.get(it.key);
        if (!c) {
          c = { item: it, el: this.view.create(it), onScreen: false };
          c.el.dataset.key = it.key;
          this.cards.set(it.key, c);
          this.io.observe(c.el);
        }
        c.item = it;
        const pin = c.el.querySelector('.pin-btn');
        if (pin) syncPin(pin, isPinned(this.tab, it.key));
        els.push(c.el);
      }
      if (!sameChildren(grp.grid, els)) grp.grid.replaceChildren(...els);
      sections.push(grp.section);
    }
    for (const [key, c] of this.cards) {
      if (seen.has(key)) continue;
      this.io.unobserve(c.el);
      this.view.removed(c.item, c.el);
      c.el.remove();
      this.cards.delete(key);
    }
    for (const g of [...this.groups.keys()]) if (!byGroup.has(g)) this.groups.delete(g);
    if (!items.length && emptyState) {
      this.empty.replaceChildren();
      const h = document.createElement('h2');
      h.textContent = emptyState.title;
      const p = document.createElement('p');
      p.textContent = emptyState.text;
      this.empty.append(h, p);
      sections.push(this.empty);
    }
    if (!sameChildren(this.container, sections)) this.container.replaceChildren(...sections);
  }

  group(name) {
    let g = this.groups.get(name);
    if (g) return g;
    const section = document.createElement('section');
    section.className = 'tag-group';
    const head = document.createElement('button');
    head.type = 'button';
    head.className = 'group-head';
    const title = document.createElement('span');
    title.className = 'group-name';
    title.textContent = name === PINNED_GROUP ? 'Pinned' : name;
    if (name === PINNED_GROUP) section.classList.add('pinned-group');
    const count = document.createElement('span');
    count.className = 'group-count';
    head.append(icon('chevron', 14), title, count);
    head.addEventListener('click', () => {
      const key = `${this.tab}:${name}`;
      const set = new Set(state.get('collapsed'));
      if (set.has(key)) set.delete(key);
      else set.add(key);
      state.set({ collapsed: [...set] });
    });
    const grid = document.createElement('div');
    grid.className = 'card-grid';
    section.append(head, grid);
    g = { section, head, grid, count };
    this.groups.set(name, g);
    return g;
  }

  intersect(entries) {
    for (const e of entries) {
      const c = this.cards.get(e.target.dataset.key);
      if (!c) continue;
      c.onScreen = e.isIntersecting;
      this.view.visible(c.item, c.el, c.onScreen);
    }
  }

  /** Cards currently on screen (or within the prefetch margin). */
  onScreen() {
    const out = [];
    for (const c of this.cards.values()) if (c.onScreen) out.push(c);
    return out;
  }
}

function sameChildren(parent, els) {
  const kids = parent.children;
  if (kids.length !== els.length) return false;
  for (let i = 0; i < els.length; i++) if (kids[i] !== els[i]) return false;
  return true;
}
