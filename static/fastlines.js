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
  return (littleEndian ? ((255 << 24) | (b << 16) | (g << 8) | r) : ((r << 24) | (g << 16) | (b << 8) | 255)) >>> 0;
}

/**
 * Write the segment (x0, y0)-(x1, y1) (pixel units, any floats) into buf
 * (w × h): clipped to the buffer (Liang-Barsky), then one pixel per step of
 * the longer axis; `thick` adds the neighbour across the line.
 */
export function segment(buf, w, h, x0, y0, x1, y1, px, thick) {
  let ax = x0;
  let ay = y0;
  let bx = x1;
  let by = y1;
  // the pixel centres of the buffer run from 0 to w-1 (h-1); a point within
  // half a pixel of the edge still lands on the edge pixel
  const xl = -0.5;
  const xr = w - 0.5;
  const yt = -0.5;
  const yb = h - 0.5;
  if (!(ax >= xl && ax <= xr && bx >= xl && bx <= xr && ay >= yt && ay <= yb && by >= yt && by <= yb)) {
    const dx = x1 - x0;
    const dy = y1 - y0;
    let t0 = 0;
    let t1 = 1;
    const p = [-dx, dx, -dy, dy];
    const q = [x0 - xl, xr - x0, y0 - yt, yb - y0];
    for (let k = 0; k < 4; k++) {
      if (p[k] === 0) {
        if (!(q[k] >= 0)) return;
        continue;
      }
      const r = q[k] / p[k];
      if (p[k] < 0) {
        if (r > t1) return;
        if (r > t0) t0 = r;
      } else {
        if (r < t0) return;
        if (r < t1) t1 = r;
      }
    }
    if (!(t0 <= t1)) return;
    ax = x0 + t0 * dx;
    ay = y0 + t0 * dy;
    bx = x0 + t1 * dx;
    by = y0 + t1 * dy;
  }
  const n = Math.max(Math.abs(((bx + 0.5) | 0) - ((ax + 0.5) | 0)), Math.abs(((by + 0.5) | 0) - ((ay + 0.5) | 0)));
  const sx = n ? (bx - ax) / n : 0;
  const sy = n ? (by - ay) / n : 0;
  const steep = Math.abs(by - ay) > Math.abs(bx - ax);
  let x = ax;
  let y = ay;
  // x, y >= -0.5 after clipping: (v + 0.5) | 0 is Math.round, cheaper
  for (let k = 0; k <= n; k++, x += sx, y += sy) {
    const i = (x + 0.5) | 0;
    const j = (y + 0.5) | 0;
    if (i < 0 || i >= w || j < 0 || j >= h) continue;
    buf[j * w + i] = px;
    if (thick) {
      if (steep) { if (i + 1 < w) buf[j * w + i + 1] = px; } else if (j + 1 < h) buf[(j + 1) * w + i] = px;
    }
  }
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
  // Chart.js calls per axis, then one multiply-add per point
  const affine = (scale, lg, origin) => {
    const v0 = lg ? 1 : 0;
    const v1 = lg ? 10 : 1;
    const p0 = scale.getPixelForValue(v0);
    return { k: (scale.getPixelForValue(v1) - p0) * dpr, c: p0 * dpr - origin };
  };
  const X = affine(scales.x, false, left);
  const Y = affine(scales.y, log, top);
  lines.forEach((line, li) => {
    const px = pixels[li];
    const thick = !dense && line.width * dpr > 1.25;
    const r = Math.max(2.5, line.width * 1.5) * dpr;
    const { x: xs, y: ys } = line;
    const from = line.range ? line.range[0] : 0;
    const to = line.range ? line.range[1] : xs.length;
    let pen = false;
    let alone = false;
    let lx = 0;
    let ly = 0;
    for (let i = from; i < to; i++) {
      const y = ys[i];
      if (!Number.isFinite(y) || (log && y <= 0)) {
        if (pen && alone) dot(buf, w, h, lx, ly, r, px);
        pen = false;
        continue;
      }
      const cx = X.c + X.k * xs[i];
      const cy = Y.c + Y.k * (log ? Math.log10(y) : y);
      if (pen) {
        segment(buf, w, h, lx, ly, cx, cy, px, thick);
        alone = false;
      } else {
        alone = true;
      }
      pen = true;
      lx = cx;
      ly = cy;
    }
    if (pen && alone) dot(buf, w, h, lx, ly, r, px);
  });
  s.ctx.putImageData(s.img, 0, 0);
  ctx.save();
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.drawImage(s.canvas, 0, 0, w, h, left, top, w, h);
  ctx.restore();
  return true;
}
