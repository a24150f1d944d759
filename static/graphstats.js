// graphstats.js - what a RunMetadata says about each node of a graph: compute
// time and memory, summed when a node ran more than once (or on several
// devices), and how the side panel writes them.
//
// Pure (no DOM): node tests it on TensorBoard's recorded run_metadata bodies.
// Reads the parsed message of pbtxt.js; never throws on missing fields.

export function formatMicros(us) {
  return us >= 1000 ? `${(us / 1000).toFixed(us >= 100000 ? 0 : 2)} ms` : `${us} µs`;
}
export function formatBytes(b) {
  const u = ['B', 'KB', 'MB', 'GB'];
  let k = 0;
  while (b >= 1024 && k < u.length - 1) { b /= 1024; k++; }
  return `${k ? b.toFixed(1) : b} ${u[k]}`;
}

/**
 * Per-node statistics of a RunMetadata: name -> {micros, bytes, device}, as
 * TensorBoard reads them (all_end_rel_micros; the allocators' total_bytes,
 * else the outputs' requested_bytes), summed when a node ran more than once.
 */
export function nodeStats(meta) {
  const out = new Map();
  for (const dev of (meta.step_stats && meta.step_stats.dev_stats) || []) {
    for (const ns of dev.node_stats || []) {
      const name = String(ns.node_name || '');
      if (!name) continue;
      let bytes = 0;
      for (const m of [].concat(ns.memory || [])) bytes += Number(m.total_bytes || 0);
      if (!bytes) for (const o of [].concat(ns.output || [])) bytes += Number(o.tensor_description?.allocation_description?.requested_bytes || 0);
      const s = out.get(name) || { micros: 0, bytes: 0, device: String(dev.device || '') };
      s.micros += Number(ns.all_end_rel_micros || 0);
      s.bytes += bytes;
      out.set(name, s);
    }
  }
  return out;
}
