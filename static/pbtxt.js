// pbtxt.js - a parser of protobuf text format, as Python's text_format prints
// a GraphDef or a RunMetadata (the graphs plugin answers in it).
//
// Schema-less: a message is a plain object; a field named in `repeated` is
// always an array, any other field holds its value, and becomes an array only
// if it appears twice (so a field this parser was not told about is never
// lost). Scalars stay as they read: numbers become numbers, enums and
// identifiers (DT_FLOAT, true) stay strings, quoted strings are unescaped
// (C escapes, \ooo octal and \xHH bytes, decoded as UTF-8). It scans the text
// once with a cursor over char codes, so a 7 MB graph parses in a fraction of
// a second. Bad input throws a PbtxtError naming the line; it never loops or
// recurses without bound (MAX_DEPTH).

export class PbtxtError extends Error {}

// Protobuf's own default recursion limit.
const MAX_DEPTH = 100;

// The repeated fields of GraphDef, FunctionDefLibrary, RunMetadata and their
// submessages that the graphs page reads (TensorBoard's frontend keeps the
// same two lists in tf_graph_common/parser.ts).
export const GRAPH_REPEATED = new Set([
  'node', 'input', 'attr', 'dim', 'function', 'node_def', 'arg', 'output_arg',
  'ret', 'output_shapes', 's', 'i', 'f', 'b', 'type', 'shape', 'tensor', 'func',
  'int_val', 'float_val', 'double_val', 'string_val', 'bool_val', 'int64_val',
  'half_val', 'dev_stats', 'node_stats', 'output', 'memory', 'partition_graphs',
  'function_graphs', 'control_input', 'attribute', 'allowed_values',
]);

const SP = 32, TAB = 9, LF = 10, CR = 13, HASH = 35, COLON = 58, LBRACE = 123,
  RBRACE = 125, LT = 60, GT = 62, DQ = 34, SQ = 39, BSL = 92, COMMA = 44,
  SEMI = 59, LBRACK = 91, RBRACK = 93;

const utf8 = new TextDecoder('utf-8', { fatal: false });
const utf8enc = new TextEncoder();

/** Parse `text` (a string) into a plain object. */
export function parsePbtxt(text, repeated = GRAPH_REPEATED) {
  const n = text.length;
  let i = 0;
  let line = 1;
  const fail = (msg) => { throw new PbtxtError(`pbtxt line ${line}: ${msg}`); };

  function skip() {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === LF) { line++; i++; } else if (c === SP || c === TAB || c === CR || c === COMMA || c === SEMI) i++;
      else if (c === HASH) { while (i < n && text.charCodeAt(i) !== LF) i++; } else break;
    }
  }
  const isWord = (c) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 46 || c === 45 || c === 43;

  function word() {
    const s = i;
    while (i < n && isWord(text.charCodeAt(i))) i++;
    if (i === s) fail(`unexpected ${i < n ? JSON.stringify(text[i]) : 'end of text'}`);
    return text.slice(s, i);
  }

  // Field names may be [extension.names] in brackets.
  function name() {
    if (text.charCodeAt(i) !== LBRACK) return word();
    const e = text.indexOf(']', i);
    if (e < 0) fail('unterminated [extension] name');
    const s = text.slice(i + 1, e);
    i = e + 1;
    return s;
  }

  function quoted() {
    const q = text.charCodeAt(i++);
    const s = i;
    let esc = false;
    for (;;) {
      if (i >= n) fail('unterminated string');
      const c = text.charCodeAt(i);
      if (c === q) break;
      if (c === LF) fail('newline in string');
      if (c === BSL) { esc = true; i += 2; } else i++;
    }
    const raw = text.slice(s, i++);
    return esc ? unescape(raw) : raw;
  }

  // Adjacent string literals concatenate, as in C and protobuf.
  function strings() {
    let v = quoted();
    for (;;) {
      skip();
      const c = text.charCodeAt(i);
      if (c !== DQ && c !== SQ) return v;
      v += quoted();
    }
  }

  function unescape(raw) {
    const bytes = [];
    for (let k = 0; k < raw.length; k++) {
      const c = raw.charCodeAt(k);
      if (c !== BSL) {
        if (c < 128) bytes.push(c);
        else {
          const cp = raw.codePointAt(k);
          if (cp > 0xffff) k++;
          for (const b of utf8enc.encode(String.fromCodePoint(cp))) bytes.push(b);
        }
        continue;
      }
      const d = raw[++k];
      if (d >= '0' && d <= '7') {
        let v = 0, m = 0;
        while (m < 3 && raw[k] >= '0' && raw[k] <= '7') { v = v * 8 + (raw.charCodeAt(k++) - 48); m++; }
        k--;
        bytes.push(v & 255);
      } else if (d === 'x' || d === 'X') {
        let v = 0, m = 0;
        while (m < 2 && /[0-9a-fA-F]/.test(raw[k + 1] || '')) { v = v * 16 + parseInt(raw[++k], 16); m++; }
        bytes.push(v);
      } else {
        const map = { n: 10, t: 9, r: 13, a: 7, b: 8, f: 12, v: 11, '\\': 92, "'": 39, '"': 34, '?': 63 };
        bytes.push(d in map ? map[d] : d.charCodeAt(0));
      }
    }
    return utf8.decode(new Uint8Array(bytes));
  }

  function scalar() {
    const c = text.charCodeAt(i);
    if (c === DQ || c === SQ) return strings();
    const w = word();
    if (/^[-+]?(\d|\.\d)/.test(w) || /^-?(inf|infinity|nan)f?$/i.test(w)) {
      const num = Number(w.replace(/f$/i, '').replace(/^(-?)inf(inity)?$/i, '$1Infinity'));
      if (!Number.isNaN(num) || /nan/i.test(w)) return num;
    }
    return w;
  }

  function set(obj, key, val) {
    if (repeated.has(key)) {
      (obj[key] ||= []).push(val);
    } else if (Object.prototype.hasOwnProperty.call(obj, key)) {
      const cur = obj[key];
      if (Array.isArray(cur) && cur.__auto) cur.push(val);
      else {
        const arr = [cur, val];
        Object.defineProperty(arr, '__auto', { value: true });
        obj[key] = arr;
      }
    } else obj[key] = val;
  }

  // `end` is the closing char code of this message (RBRACE or GT), or -1 at top level.
  function message(end, depth) {
    if (depth > MAX_DEPTH) fail(`nesting deeper than ${MAX_DEPTH}`);
    const obj = {};
    for (;;) {
      skip();
      if (i >= n) {
        if (end !== -1) fail('missing closing brace');
        return obj;
      }
      const c = text.charCodeAt(i);
      if (c === end) { i++; return obj; }
      const key = name();
      skip();
      let sep = false;
      if (text.charCodeAt(i) === COLON) { i++; sep = true; skip(); }
      const o = text.charCodeAt(i);
      if (o === LBRACE || o === LT) {
        i++;
        set(obj, key, message(o === LBRACE ? RBRACE : GT, depth + 1));
      } else if (o === LBRACK && sep) {
        // short repeated form: key: [a, b, c]
        i++;
        for (;;) {
          skip();
          if (text.charCodeAt(i) === RBRACK) { i++; break; }
          if (i >= n) fail('unterminated list');
          const p = text.charCodeAt(i);
          if (p === LBRACE || p === LT) { i++; set(obj, key, message(p === LBRACE ? RBRACE : GT, depth + 1)); } else set(obj, key, scalar());
        }
      } else {
        if (!sep) fail(`expected ':' or '{' after ${key}`);
        set(obj, key, scalar());
      }
    }
  }

  return message(-1, 0);
}
