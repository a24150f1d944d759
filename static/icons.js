// icons.js - the few inline SVG icons of the page (constant markup, ours).

const PATHS = {
  download: 'M12 3v12m0 0-5-5m5 5 5-5M4 19h16',
  expand: 'M4 9V4h5M20 9V4h-5M4 15v5h5M20 15v5h-5',
  shrink: 'M9 4v5H4M15 4v5h5M9 20v-5H4M15 20v-5h5',
  reset: 'M4 12a8 8 0 1 0 2.3-5.6M4 4v4h4',
  info: 'M12 8h.01M11 12h1v5h1M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z',
  chevron: 'M9 6l6 6-6 6',
  sun: 'M12 4V2M12 22v-2M4 12H2M22 12h-2M5.6 5.6 4.2 4.2M19.8 19.8l-1.4-1.4M5.6 18.4l-1.4 1.4M19.8 4.2l-1.4 1.4M12 17a5 5 0 1 0 0-10 5 5 0 0 0 0 10z',
  moon: 'M21 13A9 9 0 1 1 11 3a7 7 0 0 0 10 10z',
  auto: 'M12 21a9 9 0 1 0 0-18v18z M12 3a9 9 0 0 1 0 18',
  reload: 'M20 12a8 8 0 1 1-2.3-5.6M20 4v4h-4',
  menu: 'M4 6h16M4 12h16M4 18h16',
  pin: 'M9 3h6l-1 6 3 3v1H7v-1l3-3-1-6zM12 13v8',
};

const NS = 'http://www.w3.org/2000/svg';

/** A new <svg> icon element (24×24 viewBox, stroked with currentColor). */
export function icon(name, size = 16) {
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('width', String(size));
  svg.setAttribute('height', String(size));
  svg.setAttribute('aria-hidden', 'true');
  svg.classList.add('icon');
  const p = document.createElementNS(NS, 'path');
  p.setAttribute('d', PATHS[name]);
  svg.append(p);
  return svg;
}

/** A small icon button with a tooltip and an accessible name. */
export function iconButton(name, title, act) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'icon-btn';
  b.title = title;
  b.setAttribute('aria-label', title);
  if (act) b.dataset.act = act;
  b.append(icon(name));
  return b;
}
