// graphmodel.js - a parsed GraphDef as a tree of name scopes, and the graph
// that is visible when some scopes are expanded.
//
// Pure (no DOM), so node tests it directly. An op named "a/b/c" sits in
// scope "a/b"; an op whose name is also a scope ("a" beside "a/x") sits
// inside that scope as "(a)", as TensorBoard shows it. A scope holding more
// than MAX_CHILDREN children is split into ordered chunks "[i–j]" so that no
// one level ever hands the layout thousands of nodes. Ids: an op's id is its
// name; a scope's id is its path with a trailing "/" (an op name never ends
// in "/"). Visible edges join the nearest collapsed ancestor of each end
// (edges inside one collapsed scope disappear), counted, so a layout of the
// collapsed graph costs what is on screen, not the whole graph.

export const MAX_CHILDREN = 200;

function makeScope(id, label, parent) {
  return { id, label, parent, isScope: true, children: [], ops: 0, depth: parent ? parent.depth + 1 : 0 };
}

/** Map the attr entries of a NodeDef ([{key, value}]) to [{key, text}] for display. */
export function attrText(value) {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'object') return String(value);
  const keys = Object.keys(value);
  if (keys.length === 1) {
    const k = keys[0];
    // the parser keeps these repeated (they are, inside an AttrValue's list)
    const v = Array.isArray(value[k]) && value[k].length === 1 ? value[k][0] : value[k];
    if (k === 'type' || k === 's' || k === 'i' || k === 'f' || k === 'b') return String(v);
    if (k === 'shape') return shapeText(v);
    if (k === 'tensor') return tensorText(v);
    if (k === 'list') return listText(v);
  }
  return compact(value);
}

function shapeText(s) {
  if (!s || s.unknown_rank) return '?';
  return `[${(s.dim || []).map((d) => (d.size === undefined ? '?' : d.size === -1 ? '?' : String(d.size))).join(', ')}]`;
}

function tensorText(t) {
  if (!t || typeof t !== 'object') return String(t);
  const vals = Object.entries(t).filter(([k]) => k.endsWith('_val') || k === 'tensor_content');
  const shape = shapeText(t.tensor_shape);
  const body = vals.map(([k, v]) => `${k}: ${compact(v)}`).join(' ');
  return `${t.dtype || ''} ${shape} ${body}`.trim();
}

function listText(l) {
  const parts = [];
  for (const [k, arr] of Object.entries(l || {})) {
    for (const v of [].concat(arr)) parts.push(k === 'shape' ? shapeText(v) : typeof v === 'object' ? compact(v) : String(v));
  }
  return `[${parts.join(', ')}]`;
}

function compact(v) {
  const s = JSON.stringify(v);
  return s.length > 400 ? `${s.slice(0, 400)}…` : s;
}

/** Parse an input string: "^name" (control), "name:1", "name". */
function parseInput(s) {
  let control = false;
  if (s.startsWith('^')) { control = true; s = s.slice(1); }
  const m = /^(.*):(\d+)$/.exec(s);
  return m ? { name: m[1], port: Number(m[2]), control } : { name: s, port: 0, control };
}

/** Build the scope tree of a GraphDef-like object ({node: [NodeDef]}). */
export function buildGraph(graphDef) {
  const defs = (graphDef && graphDef.node) || [];
  const root = makeScope('/', '', null);
  const ops = new Map();
  const prefixes = new Set();
  for (const d of defs) {
    const name = String(d.name ?? '');
    for (let k = name.indexOf('/'); k > 0; k = name.indexOf('/', k + 1)) prefixes.add(name.slice(0, k));
  }
  const scopes = new Map([['', root]]);
  const scopeOf = (path) => {
    let s = scopes.get(path);
    if (s) return s;
    const k = path.lastIndexOf('/');
    const parent = scopeOf(k < 0 ? '' : path.slice(0, k));
    s = makeScope(`${path}/`, path.slice(k + 1), parent);
    parent.children.push(s);
    scopes.set(path, s);
    return s;
  };
  for (const d of defs) {
    const name = String(d.name ?? '');
    if (!name || ops.has(name)) continue;
    const k = name.lastIndexOf('/');
    const own = prefixes.has(name);
    const parent = own ? scopeOf(name) : scopeOf(k < 0 ? '' : name.slice(0, k));
    const label = own ? `(${name.slice(k + 1)})` : name.slice(k + 1);
    const attrs = (d.attr || []).map((a) => ({ key: String(a.key), value: a.value }));
    const op = {
      id: name, name, label, parent, isScope: false, op: d.op ? String(d.op) : '',
      device: d.device ? String(d.device) : '', attrs,
      inputs: (d.input || []).map((s) => parseInput(String(s))), outputs: [],
    };
    parent.children.push(op);
    ops.set(name, op);
  }
  for (const op of ops.values()) {
    for (const inp of op.inputs) {
      const src = ops.get(inp.name);
      if (src) src.outputs.push({ name: op.name, port: inp.port, control: inp.control });
    }
  }
  chunk(root);
  count(root);
  return { root, ops, scopes: [...allScopes(root)] };
}

// Split scopes with too many children into ordered chunks (recursively).
function chunk(scope) {
  for (const c of scope.children) if (c.isScope) chunk(c);
  if (scope.children.length <= MAX_CHILDREN) return;
  scope.children.sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
  let kids = scope.children;
  for (let level = 0; kids.length > MAX_CHILDREN; level++) {
    const next = [];
    for (let k = 0; k < kids.length; k += MAX_CHILDREN) {
      const part = kids.slice(k, k + MAX_CHILDREN);
      const c = makeScope(`${scope.id}[${level}:${k}]/`, `${part[0].label} … ${part[part.length - 1].label}`, scope);
      c.chunk = true;
      c.children = part;
      next.push(c);
    }
    kids = next;
  }
  scope.children = kids;
  fixParents(scope);
}

function fixParents(scope) {
  for (const c of scope.children) {
    c.parent = scope;
    if (c.isScope) {
      c.depth = scope.depth + 1;
      fixParents(c);
    }
  }
}

function count(scope) {
  let n = 0;
  for (const c of scope.children) n += c.isScope ? count(c) : 1;
  scope.ops = n;
  return n;
}

function* allScopes(scope) {
  yield scope;
  for (const c of scope.children) if (c.isScope) yield* allScopes(c);
}

/** The node that stands for `op` when only the scopes in `expanded` (ids) are open. */
export function visibleOf(op, expanded) {
  const chain = [];
  for (let s = op.parent; s && s.parent; s = s.parent) chain.push(s);
  for (let k = chain.length - 1; k >= 0; k--) if (!expanded.has(chain[k].id)) return chain[k];
  return op;
}

/**
 * What to draw: {nodes, clusters, edges}. nodes: collapsed scopes and ops
 * (each with its parent cluster id or null); clusters: expanded scopes;
 * edges: {v, w, count, control} between visible nodes.
 */
export function visibleGraph(model, expanded) {
  const nodes = [];
  const clusters = [];
  const walk = (scope, parentId) => {
    for (const c of scope.children) {
      if (c.isScope && expanded.has(c.id)) {
        clusters.push({ item: c, parent: parentId });
        walk(c, c.id);
      } else nodes.push({ item: c, parent: parentId });
    }
  };
  walk(model.root, null);
  const edges = new Map();
  const rep = new Map();
  const repOf = (op) => {
    let r = rep.get(op);
    if (!r) { r = visibleOf(op, expanded); rep.set(op, r); }
    return r;
  };
  for (const op of model.ops.values()) {
    const b = repOf(op);
    for (const inp of op.inputs) {
      const src = model.ops.get(inp.name);
      if (!src) continue;
      const a = repOf(src);
      if (a === b) continue;
      const key = `${a.id}\u0000${b.id}`;
      const e = edges.get(key);
      if (e) {
        e.count++;
        e.control = e.control && inp.control;
      } else edges.set(key, { v: a.id, w: b.id, count: 1, control: inp.control });
    }
  }
  return { nodes, clusters, edges: [...edges.values()] };
}

/** Ops whose name contains `query` (case-insensitive), at most `limit`. */
export function searchOps(model, query, limit = 50) {
  const q = query.trim().toLowerCase();
  if (!q) return [];
  const out = [];
  for (const op of model.ops.values()) {
    if (op.name.toLowerCase().includes(q)) {
      out.push(op);
      if (out.length >= limit) break;
    }
  }
  return out;
}

/** Expand every scope above `item` (an op or scope) in `expanded`. */
export function revealIn(expanded, item) {
  for (let s = item.parent; s && s.parent; s = s.parent) expanded.add(s.id);
}

/** A synthetic GraphDef of about `n` ops in nested scopes (benchmarks and tests). */
export function syntheticGraph(n, fan = 20) {
  const node = [];
  let prev = 'input';
  node.push({ name: 'input', op: 'Placeholder' });
  for (let k = 1; node.length < n; k++) {
    const scope = `block_${Math.floor(k / (fan * 5))}/layer_${Math.floor(k / fan) % 5}`;
    const name = `${scope}/op_${k}`;
    node.push({ name, op: k % 3 ? 'MatMul' : 'Relu', input: [prev, node[Math.max(0, k - fan)].name], attr: [{ key: 'T', value: { type: 'DT_FLOAT' } }] });
    prev = name;
  }
  return { node };
}
