// media.mjs - event files with images and audio for the browser tests and
// bench/images_page.mjs: legacy Summary.Image / Summary.Audio values (the
// TF1 and tensorboardX form), real PNGs and WAVs made here.

import zlib from 'node:zlib';
import { record } from './tfrecord.mjs';

function varint(n) {
  const out = [];
  let v = BigInt(n);
  while (v >= 0x80n) { out.push(Number(v & 0x7fn) | 0x80); v >>= 7n; }
  out.push(Number(v));
  return out;
}
const key = (f, w) => varint((f << 3) | w);
const bytesField = (f, b) => [...key(f, 2), ...varint(b.length), ...b];
const intField = (f, n) => [...key(f, 0), ...varint(n)];
const floatField = (f, x) => { const b = Buffer.alloc(4); b.writeFloatLE(x); return [...key(f, 5), ...b]; };
const doubleField = (f, x) => { const b = Buffer.alloc(8); b.writeDoubleLE(x); return [...key(f, 1), ...b]; };
const str = (s) => [...Buffer.from(s, 'utf8')];

/** The file_version event every writer starts with. */
export const fileVersion = (wall) => record(Uint8Array.from([...doubleField(1, wall), ...bytesField(3, str('brain.Event:2'))]));

/** Event{wall, step, summary{value{tag, <field>: body}}}. */
function summaryEvent(wall, step, tag, field, body) {
  const value = [...bytesField(1, str(tag)), ...bytesField(field, body)];
  return record(Uint8Array.from([...doubleField(1, wall), ...intField(2, step), ...bytesField(5, bytesField(1, value))]));
}

/** Event{wall, step, summary{value{tag, simple_value}}}. */
export const scalarEvent = (wall, step, tag, v) => record(Uint8Array.from([
  ...doubleField(1, wall), ...intField(2, step), ...bytesField(5, bytesField(1, [...bytesField(1, str(tag)), ...floatField(2, v)]))]));

/** Summary.Image{height=1, width=2, colorspace=3, encoded_image_string=4}. */
export const imageEvent = (wall, step, tag, bytes, w = 8, h = 8) =>
  summaryEvent(wall, step, tag, 4, [...intField(1, h), ...intField(2, w), ...intField(3, 3), ...bytesField(4, [...bytes])]);

/** Summary.Audio{sample_rate=1, num_channels=2, length_frames=3, encoded_audio_string=4, content_type=5}. */
export const audioEvent = (wall, step, tag, bytes, rate, frames) =>
  summaryEvent(wall, step, tag, 6, [...floatField(1, rate), ...intField(2, 1), ...intField(3, frames),
    ...bytesField(4, [...bytes]), ...bytesField(5, str('audio/wav'))]);

/** A 16-bit mono PCM WAV: `seconds` of a 440 Hz sine. */
export function wav(seconds, rate = 8000) {
  const n = Math.round(seconds * rate);
  const b = Buffer.alloc(44 + 2 * n);
  b.write('RIFF', 0); b.writeUInt32LE(36 + 2 * n, 4); b.write('WAVEfmt ', 8);
  b.writeUInt32LE(16, 16); b.writeUInt16LE(1, 20); b.writeUInt16LE(1, 22);
  b.writeUInt32LE(rate, 24); b.writeUInt32LE(2 * rate, 28); b.writeUInt16LE(2, 32); b.writeUInt16LE(16, 34);
  b.write('data', 36); b.writeUInt32LE(2 * n, 40);
  for (let i = 0; i < n; i++) b.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)), 44 + 2 * i);
  return b;
}

const CRC = (() => {
  const t = new Int32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[i] = c;
  }
  return t;
})();
function crc32(buf) {
  let c = -1;
  for (let i = 0; i < buf.length; i++) c = CRC[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** A w×h 8-bit RGB PNG; pixel(x, y) → [r, g, b]. */
export function png(w, h, pixel) {
  const raw = Buffer.alloc(h * (1 + 3 * w));
  for (let y = 0; y < h; y++) {
    raw[y * (1 + 3 * w)] = 0;
    for (let x = 0; x < w; x++) {
      const [r, g, b] = pixel(x, y);
      const o = y * (1 + 3 * w) + 1 + 3 * x;
      raw[o] = r; raw[o + 1] = g; raw[o + 2] = b;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; ihdr[9] = 2; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}
