// text.js - the Text tab: what a run logged as text, newest step first.
//
// The one place the page inserts HTML: the `text` field of the text plugin,
// which the server has already rendered from Markdown and sanitised (only
// p, pre, code, lists, tables, headings, links and images with safe URL
// schemes survive; everything else is escaped). Run and tag names, and every
// other string, are set as text.

import { api } from './api.js';
import { RunCardsView } from './runcards.js';
import { formatStep, formatWall } from './format.js';

const SHOWN = 20; // steps shown before "show all"

export class TextView extends RunCardsView {
  constructor(root, runs) {
    super(root, runs, {
      tab: 'text', plugin: 'text', noun: 'Text',
      hint: 'Log Markdown text with writer.add_text("notes", "**hello**", step) or tf.summary.text; it appears here by itself.',
    });
  }

  fetch(run, tag) {
    return api.text(run, tag);
  }

  paint(card, data) {
    const entries = [...(data || [])].sort((a, b) => b.step - a.step || b.wall_time - a.wall_time);
    const list = document.createElement('ol');
    list.className = 'text-entries';
    const limit = card.state.all ? entries.length : SHOWN;
    for (const e of entries.slice(0, limit)) {
      const li = document.createElement('li');
      const meta = document.createElement('div');
      meta.className = 'text-meta';
      const step = document.createElement('span');
      step.className = 'text-step';
      step.textContent = `step ${formatStep(e.step)}`;
      const time = document.createElement('span');
      time.textContent = formatWall(Number(e.wall_time) * 1000);
      meta.append(step, time);
      const body = document.createElement('div');
      body.className = 'text-html';
      body.innerHTML = e.text; // sanitised by the server's text plugin (see top)
      li.append(meta, body);
      list.append(li);
    }
    const parts = [list];
    if (!entries.length) {
      const p = document.createElement('p');
      p.className = 'muted';
      p.textContent = 'No text at any step.';
      parts.push(p);
    }
    if (entries.length > limit) {
      const more = document.createElement('button');
      more.type = 'button';
      more.className = 'link-btn';
      more.textContent = `Show all ${entries.length} steps`;
      more.addEventListener('click', () => {
        card.state.all = true;
        this.paint(card, card.data);
      });
      parts.push(more);
    }
    card.body.replaceChildren(...parts);
    card.painted = true;
  }
}
