// fastlines.js - the smoothed lines while the smoothing slider is dragged.
//
// A canvas stroke of 300 anti-aliased polylines costs 30-37 ms per chart in
// Chromium's software raster (docs/PERFORMANCE.md), so a drag across four
// charts of 300 runs cannot keep up. While dragging, the lines are written
// instead as one-pixel, non-anti-aliased runs of pixels into a Uint32Array
// (two pixels thick when the chart is sparse, as the 1.6 px stroke is), put
// on a scratch canvas once and drawn over the chart's frame with one
// drawImage. The release draws the normal strokes again (charts.js). The
// points, gaps, pixel columns and dots are the same as drawLines' (charts.js).
// 600,000 points (four charts of 300 runs × 500 steps) take 7-9 ms in one
// loop per line (polyline); docs/PERFORMANCE.md has the measurements.

let scratch = null; // {canvas, ctx, img, buf} reused by every chart

function surface(w, h) {
  if (!scratch) {
    const canvas = document.createElement('canvas');
    scratch = { canvas, ctx: canvas.getContext('2d'), img: null, buf: null };
  }
  if (!scratch.img || scratch.img.width !== w || scratch.img.height !== h) {
    if (scratch.canvas.width < w) scratch.canvas.width = w;
    if (scratch.canvas.height < h) scratch.canvas.height = h;
    scratch.img = scratch.ctx.createImageData(w, h);
    scratch.buf = new Uint32Array(scratch.img.data.buffer);
  } else {
    scratch.buf.fill(0);
  }
  return scratch;
}

/** '#rrggbb' → an opaque pixel of the platform's byte order, or null. */
const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
export function pixelOf(color) {
  if (typeof color !== 'string' || !/^#[0-9a-f]{6}$/i.test(color)) return null;
  const n = parseInt(color.slice(1), 16);
  const r = (n >> 16) & 255;
  const g = (n >> 8) & 255;
  const b = n & 255;
  // as a signed int32: an opaque pixel is then a small integer (a Smi in V8),
  // never a boxed number, and a Uint32Array stores its bits the same
  return (littleEndian ? ((255 << 24) | (b << 16) | (g << 8) | r) : ((r << 24) | (g << 16) | (b << 8) | 255)) | 0;
}

/**
 * Write the segment (x0, y0)-(x1, y1) (pixel units, any floats) into buf
 * (w × h) as one vertical run of pixels per pixel column it crosses: the
 * rows the segment covers within that column (column c spans c − 0.5 …
 * c + 0.5). Clipping comes free: columns outside the buffer are skipped and
 * rows clamped. `thick` adds a pixel below a flat run and the column to the
 * right of a steep one, as a 1.6 px stroke covers.
 */
function segment(buf, w, h, x0, y0, x1, y1, px, thick) {
  if (x1 < x0) {
    let t = x0; x0 = x1; x1 = t;
    t = y0; y0 = y1; y1 = t;
  }
  const right = w - 0.5;
  const bottom = h - 0.5;
  if (!(x1 >= -0.5 && x0 < right)) return; // off to a side (or NaN)
  if (!((y0 >= -0.5 || y1 >= -0.5) && (y0 < bottom || y1 < bottom))) return; // above or below
  const c0 = x0 < -0.5 ? 0 : (x0 + 0.5) | 0;
  const c1 = x1 >= right ? w - 1 : (x1 + 0.5) | 0;
  const k = x1 > x0 ? (y1 - y0) / (x1 - x0) : 0;
  for (let c = c0; c <= c1; c++) {
    const xa = c - 0.5 > x0 ? c - 0.5 : x0;
    const xb = c + 0.5 < x1 ? c + 0.5 : x1;
    const ya = y0 + k * (xa - x0);
    const yb = xb === x1 ? y1 : y0 + k * (xb - x0);
    const lo = ya < yb ? ya : yb;
    const hi = ya < yb ? yb : ya;
    if (hi < -0.5 || lo >= bottom) continue;
    column(buf, w, h, c, lo < -0.5 ? 0 : (lo + 0.5) | 0, hi >= bottom ? h - 1 : (hi + 0.5) | 0, px, thick);
  }
}

/** Rows lo … hi (inside the buffer) of column c (inside), and the thickening. */
function column(buf, w, h, c, lo, hi, px, thick) {
  if (thick) {
    if (hi - lo < 2) {
      if (hi + 1 < h) hi++;
    } else if (c + 1 < w) {
      for (let q = lo * w + c + 1, e = hi * w + c + 1; q <= e; q += w) buf[q] = px;
    }
  }
  for (let q = lo * w + c, e = hi * w + c; q <= e; q += w) buf[q] = px;
}

/**
 * Write one line into buf (w × h): the points from … to-1 of xs, ys, mapped
 * to pixels by x·xk + xc and y·yk + yc (log10 y when log). A step within
 * a column is the run of rows between the two points; so is a step to the
 * next column of a one-pixel line (a dense chart: nearly every step, and the
 * pixels lie within a column of the stroke's); any other step is a
 * segment(), which splits its rows between the columns it crosses.
 * A point with no finite neighbour is a dot of radius r. Everything happens
 * in this one loop: a call per point (its floats boxed) cost more than the
 * drawing.
 */
export function polyline(buf, w, h, xs, ys, from, to, xk, xc, yk, yc, log, px, thick, r) {
  let pen = false;
  let alone = false;
  let lx = 0;
  let ly = 0;
  let pc = 0;
  let pj = 0;
  for (let i = from; i < to; i++) {
    const v = ys[i];
    if (!Number.isFinite(v) || (log && v <= 0)) {
      if (pen && alone) dot(buf, w, h, lx, ly, r, px);
      pen = false;
      continue;
    }
    const cx = xc + xk * xs[i];
    const cy = yc + yk * (log ? Math.log10(v) : v);
    // the pixel column and row, clamped to just outside the buffer first
    // (off-screen points stay off-screen, and | 0 stays in range)
    const c = ((cx < -2 ? -2 : cx > w + 1 ? w + 1 : cx) + 2.5 | 0) - 2;
    const j = ((cy < -2 ? -2 : cy > h + 1 ? h + 1 : cy) + 2.5 | 0) - 2;
    if (!pen) {
      pen = true;
      alone = true;
      // the first pixel (a step to the next column draws only that column)
      if (c >= 0 && c < w && j >= 0 && j < h) buf[j * w + c] = px;
    } else {
      alone = false;
      const d = c - pc;
      if (d === 0 || (!thick && (d === 1 || d === -1))) {
        // within a column, or one-pixel lines to the next column: the rows
        // between the two points, in the new column
        if (c >= 0 && c < w) {
          const lo = j < pj ? j : pj;
          const hi = j < pj ? pj : j;
          if (hi >= 0 && lo < h) column(buf, w, h, c, lo < 0 ? 0 : lo, hi >= h ? h - 1 : hi, px, thick);
        }
      } else {
        segment(buf, w, h, lx, ly, cx, cy, px, thick);
      }
    }
    lx = cx;
    ly = cy;
    pc = c;
    pj = j;
  }
  if (pen && alone) dot(buf, w, h, lx, ly, r, px);
}

/** A filled disc of radius r at (cx, cy). */
export function dot(buf, w, h, cx, cy, r, px) {
  const r2 = r * r;
  for (let j = Math.max(0, Math.ceil(cy - r)); j <= Math.min(h - 1, Math.floor(cy + r)); j++) {
    for (let i = Math.max(0, Math.ceil(cx - r)); i <= Math.min(w - 1, Math.floor(cx + r)); i++) {
      if ((i - cx) * (i - cx) + (j - cy) * (j - cy) <= r2) buf[j * w + i] = px;
    }
  }
}

/**
 * Draw `lines` ({x, y, color '#rrggbb', width, range}) of a Chart.js chart
 * as drawLines() would, into its canvas at once. Returns false (nothing
 * drawn) when a colour is not '#rrggbb': the caller strokes them instead.
 */
export function fastLines(chart, lines, dense) {
  const pixels = lines.map((l) => pixelOf(l.color));
  if (pixels.some((p) => p === null)) return false;
  const { ctx, chartArea: a, scales } = chart;
  const dpr = chart.currentDevicePixelRatio || 1;
  const left = Math.floor(a.left * dpr);
  const top = Math.floor(a.top * dpr);
  const w = Math.ceil(a.right * dpr) - left;
  const h = Math.ceil(a.bottom * dpr) - top;
  if (w <= 0 || h <= 0) return true;
  const s = surface(w, h);
  const buf = s.buf;
  const log = scales.y.type === 'logarithmic';
  // both axes are affine in the value (in log10 of it on a log axis): two
  // Chart.js calls per axis, then one multiply-add per point. Pixel i of the
  // buffer covers canvas coordinates origin + i … origin + i + 1; the code
  // below rounds to integer pixel centres, hence the half pixel.
  const affine = (scale, lg, origin) => {
    const v0 = lg ? 1 : 0;
    const v1 = lg ? 10 : 1;
    const p0 = scale.getPixelForValue(v0);
    return { k: (scale.getPixelForValue(v1) - p0) * dpr, c: p0 * dpr - origin - 0.5 };
  };
  const X = affine(scales.x, false, left);
  const Y = affine(scales.y, log, top);
  lines.forEach((line, li) => {
    const thick = !dense && line.width * dpr > 1.25;
    const r = Math.max(2.5, line.width * 1.5) * dpr;
    const from = line.range ? line.range[0] : 0;
    const to = line.range ? line.range[1] : line.x.length;
    polyline(buf, w, h, line.x, line.y, from, to, X.k, X.c, Y.k, Y.c, log, pixels[li], thick, r);
  });
  s.ctx.putImageData(s.img, 0, 0);
  ctx.save();
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.drawImage(s.canvas, 0, 0, w, h, left, top, w, h);
  ctx.restore();
  return true;
}
