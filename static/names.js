// names.js - run names as the page shows them. DOM only, no state.
//
// Run names come from directory names anyone can create: they are only ever
// set with textContent and attributes, never parsed as HTML.

/**
 * Write a run name into `el` as two spans, head and tail: CSS cuts the head
 * with an ellipsis and never the tail, so a long name is shortened in the
 * middle and the end that tells runs apart stays visible. Full name on hover.
 */
export function setRunName(el, run) {
  if (el.title === run && el.firstChild) return;
  // the tail: the end of the name (its last path component, 12 to 24
  // characters), moved to start after a separator when one is near
  // (…train, …28_lr1e-3_bs32_seed0, not …7/train or …ode-28_…)
  let cut = Math.max(0, run.length - Math.max(12, Math.min(24, run.length - run.lastIndexOf('/') - 1)));
  const sep = (c) => '/_-. '.includes(c);
  for (let i = cut; cut > 0 && !sep(run[cut - 1]) && i < run.length - 6; i++) {
    if (sep(run[i])) {
      cut = i + 1;
      break;
    }
  }
  const head = document.createElement('span');
  head.className = 'name-head';
  head.textContent = run.slice(0, cut);
  const tail = document.createElement('span');
  tail.className = 'name-tail';
  tail.textContent = run.slice(cut);
  el.replaceChildren(head, tail);
  el.title = run;
  el.classList.add('run-label');
}

