// download.js - saving a card's data or picture as a file.

/** A file name from a tag: anything but letters, digits, '.', '-' and '_' becomes '_'. */
export function fileName(tag, ext) {
  const base = tag.replace(/[^\p{L}\p{N}._-]+/gu, '_').replace(/^_+|_+$/g, '') || 'data';
  return `${base}.${ext}`;
}

/** A CSV field, quoted when it holds a comma, quote or line break. */
export function csvField(s) {
  const t = String(s);
  return /[",\r\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
}

function clickLink(href, name) {
  const a = document.createElement('a');
  a.href = href;
  a.download = name;
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
}

export function downloadBlob(blob, name) {
  const u = URL.createObjectURL(blob);
  clickLink(u, name);
  setTimeout(() => URL.revokeObjectURL(u), 10000);
}

export function downloadDataUrl(dataUrl, name) {
  clickLink(dataUrl, name);
}
