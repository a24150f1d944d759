// pins.js - pinned cards: any card (scalar, histogram, image, …) pinned to
// the top of its tab.
//
// The pinned set is page state (`pinned`, kept in the URL as one `pin=` per
// card: `<tab>:<tag>` for a tab of one card per tag, `<tab>:["<tag>","<run>"]`
// for a tab of one card per run and tag, whose card key is tag NUL run: a
// NUL is no character for a URL), so a copied link shows the same pins. The board puts
// pinned cards in a "Pinned" group above the others; the views only add
// pinButton() to their cards and lay out again when `pinned` changes.

import { state } from './state.js';
import { icon } from './icons.js';

/** The group name the board uses for pinned cards (no tag prefix is empty). */
export const PINNED_GROUP = '';

const pinId = (tab, key) => `${tab}:${key.includes('\u0000') ? JSON.stringify(key.split('\u0000')) : key}`;

function keyOf(text) {
  if (text.startsWith('["')) {
    try {
      const a = JSON.parse(text);
      if (Array.isArray(a) && a.length === 2 && a.every((x) => typeof x === 'string')) return a.join('\u0000');
    } catch {
      /* a tag that only looks like it */
    }
  }
  return text;
}

export function isPinned(tab, key) {
  return state.get('pinned').includes(pinId(tab, key));
}

export function togglePin(tab, key) {
  const id = pinId(tab, key);
  const set = state.get('pinned');
  state.set({ pinned: set.includes(id) ? set.filter((p) => p !== id) : [...set, id] });
}

/** Pins of one tab in the order they were pinned: card keys. */
export function pinnedKeys(tab) {
  const prefix = `${tab}:`;
  return state.get('pinned').filter((p) => p.startsWith(prefix)).map((p) => keyOf(p.slice(prefix.length)));
}

/** The pin button of a card (its state is kept by syncPin()). */
export function pinButton(tab, key) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'icon-btn pin-btn';
  b.dataset.pinTab = tab;
  b.append(icon('pin'));
  b.addEventListener('click', (e) => {
    e.stopPropagation();
    togglePin(tab, key);
  });
  syncPin(b, isPinned(tab, key));
  return b;
}

export function syncPin(button, on) {
  button.setAttribute('aria-pressed', String(on));
  const t = on ? 'Unpin this card' : 'Pin this card to the top of the tab';
  button.title = t;
  button.setAttribute('aria-label', t);
}
