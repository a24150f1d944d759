// audio.js - the Audio tab: one card per (tag, run), a step slider, the
// browser's own player, and the clip's label.
//
// Labels arrive as the audio plugin renders them (Markdown made into
// sanitised HTML, as TensorBoard does): they are shown as plain text, never
// inserted as HTML. The player asks only for the clip's metadata until it
// is played (preload="metadata"), so a card of a 200 MB clip costs a few
// bytes until someone presses play.

import { api } from './api.js';
import { StepCardsView } from './images.js';
import { formatStep, formatWall, htmlToText } from './format.js';

export class AudioView extends StepCardsView {
  constructor(root, runs) {
    super(root, runs, {
      tab: 'audio', plugin: 'audio', noun: 'Audio',
      hint: 'Log a clip with writer.add_audio("speech", waveform, step, sample_rate) or tf.summary.audio; it appears here by itself.',
    });
  }

  fetchSteps(run, tag, sample) {
    return api.audio(run, tag, sample);
  }

  buildMedia(card) {
    const ui = card.ui;
    ui.player = document.createElement('audio');
    ui.player.controls = true;
    ui.player.preload = 'metadata';
    ui.label = document.createElement('div');
    ui.label.className = 'audio-label';
    ui.player.addEventListener('loadedmetadata', () => {
      const d = ui.player.duration;
      if (card.shown) card.shown.duration = d;
      if (Number.isFinite(d)) ui.caption.textContent = `${ui.where} · ${d.toFixed(2)} s`;
    });
    ui.player.addEventListener('error', () => {
      if (card.shown) card.shown.broken = true;
      ui.caption.textContent = `${ui.where} · the browser cannot play this clip`;
    });
    ui.media.append(ui.player, ui.label);
  }

  show(card, e) {
    const ui = card.ui;
    const src = api.audioUrl(e.query);
    if (ui.src === src) return;
    ui.src = src;
    ui.player.src = src;
    const label = htmlToText(e.label || '');
    ui.label.textContent = label;
    ui.label.hidden = !label;
    const type = e.contentType || e.content_type || '';
    ui.where = [`step ${formatStep(e.step)}`, type, formatWall(Number(e.wall_time) * 1000)].filter(Boolean).join(' · ');
    ui.caption.textContent = ui.where;
    card.shown = { step: e.step, label, contentType: type, duration: null, broken: false };
  }
}
