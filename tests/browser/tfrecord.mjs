// tfrecord.mjs - a tiny TFRecord / tf.Event writer for the browser tests.
//
// Writes what real writers write: records framed as
//   u64 length LE, u32 masked crc32c(length), payload, u32 masked crc32c(payload)
// with masked(crc) = ((crc >>> 15) | (crc << 17)) + 0xa282ead8, and Event
// protos holding a file_version or a Summary of simple_value scalars.

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

export function crc32c(buf) {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function masked(crc) {
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

/** One TFRecord around a payload. */
export function record(payload) {
  const out = Buffer.alloc(16 + payload.length);
  out.writeBigUInt64LE(BigInt(payload.length), 0);
  out.writeUInt32LE(masked(crc32c(out.subarray(0, 8))), 8);
  Buffer.from(payload).copy(out, 12);
  out.writeUInt32LE(masked(crc32c(payload)), 12 + payload.length);
  return out;
}

// ---- protobuf encoding (just what tf.Event needs) ----------------------------

function varint(n) {
  const bytes = [];
  let v = BigInt.asUintN(64, BigInt(n));
  while (v >= 0x80n) {
    bytes.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  bytes.push(Number(v));
  return bytes;
}

const key = (field, wire) => varint((field << 3) | wire);

function lenField(field, bytes) {
  return [...key(field, 2), ...varint(bytes.length), ...bytes];
}

function doubleField(field, v) {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(v);
  return [...key(field, 1), ...b];
}

function floatField(field, v) {
  const b = Buffer.alloc(4);
  b.writeFloatLE(v);
  return [...key(field, 5), ...b];
}

const utf8 = (s) => [...Buffer.from(s, 'utf8')];

/** An Event: {wall, step, fileVersion?} or {wall, step, scalars: {tag: value}}. */
export function eventBytes(ev) {
  const out = [...doubleField(1, ev.wall), ...key(2, 0), ...varint(ev.step)];
  if (ev.fileVersion) out.push(...lenField(3, utf8(ev.fileVersion)));
  if (ev.scalars) {
    const values = [];
    for (const [tag, v] of Object.entries(ev.scalars)) {
      values.push(...lenField(1, [...lenField(1, utf8(tag)), ...floatField(2, v)]));
    }
    out.push(...lenField(5, values));
  }
  return Uint8Array.from(out);
}

export function eventRecord(ev) {
  return record(eventBytes(ev));
}

/** Reads the records of a TFRecord buffer (payloads only; CRCs not checked). */
export function* readRecords(buf) {
  let off = 0;
  while (off + 12 <= buf.length) {
    const len = Number(buf.readBigUInt64LE(off));
    if (off + 16 + len > buf.length) return;
    yield buf.subarray(off + 12, off + 12 + len);
    off += 16 + len;
  }
}

/**
 * A fast encoder for many scalar events with the same tags (big test logdirs):
 * returns f(wall, step, values) → one framed record.
 */
export function scalarEventEncoder(tags) {
  const tagBytes = tags.map((t) => Buffer.from(t, 'utf8'));
  // Summary.Value: 0x0a len tag  0x15 float  → length 2 + tagLen + 5
  const valueLens = tagBytes.map((b) => 2 + b.length + 5);
  const summaryLen = valueLens.reduce((a, n) => a + 2 + n, 0); // each value: 0x0a, len (1 byte), body
  for (const n of valueLens) if (n > 127) throw new Error('tag too long for the fast encoder');
  const sumLenVarint = Buffer.from(varint(summaryLen));
  return (wall, step, values) => {
    const stepV = Buffer.from(varint(step));
    const payloadLen = 9 + 1 + stepV.length + 1 + sumLenVarint.length + summaryLen;
    const out = Buffer.alloc(16 + payloadLen);
    let o = 12;
    out[o++] = 0x09;
    out.writeDoubleLE(wall, o);
    o += 8;
    out[o++] = 0x10;
    stepV.copy(out, o);
    o += stepV.length;
    out[o++] = 0x2a;
    sumLenVarint.copy(out, o);
    o += sumLenVarint.length;
    for (let i = 0; i < tagBytes.length; i++) {
      out[o++] = 0x0a;
      out[o++] = valueLens[i];
      out[o++] = 0x0a;
      out[o++] = tagBytes[i].length;
      tagBytes[i].copy(out, o);
      o += tagBytes[i].length;
      out[o++] = 0x15;
      out.writeFloatLE(values[i], o);
      o += 4;
    }
    out.writeBigUInt64LE(BigInt(payloadLen), 0);
    out.writeUInt32LE(masked(crc32c(out.subarray(0, 8))), 8);
    out.writeUInt32LE(masked(crc32c(out.subarray(12, 12 + payloadLen))), 12 + payloadLen);
    return out;
  };
}
