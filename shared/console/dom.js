// Tiny DOM helpers. Every value is placed with textContent, properties or setAttribute:
// never HTML parsing of data (no inner-HTML assignment), and event handlers only as functions.

/**
 * h('button', {class: 'btn', onClick: fn, type: 'button'}, 'Label', child, [more])
 * Strings and numbers become text nodes; null/undefined/false children are skipped.
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) {
      if (typeof value !== 'function') throw new TypeError(`${key} must be a function`);
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === 'class') {
      el.className = value;
    } else if (key === 'text') {
      el.textContent = String(value);
    } else if (key === 'dataset') {
      Object.assign(el.dataset, value);
    } else if (key === 'value' || key === 'defaultValue' || key === 'checked' || key === 'disabled' || key === 'hidden'
      || key === 'selected' || key === 'readOnly' || key === 'colSpan') {
      el[key] = value;
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.append(child);
    else el.append(document.createTextNode(String(child)));
  }
}

/** Removes every child of `el`. */
export function clear(el) {
  el.replaceChildren();
}

/** RFC 3339 → "2025-01-31 14:05 UTC" (the full value goes in a title). */
export function time(value) {
  if (!value) return h('span', { class: 'muted' }, '—');
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return h('span', {}, String(value));
  const text = d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
  return h('time', { datetime: value, title: value }, text);
}

export function badge(text, kind) {
  return h('span', { class: `badge ${kind || ''}`.trim() }, text);
}

export function statusBadge(status) {
  const kind = status === 'active' ? 'ok' : status === 'revoked' ? 'bad' : 'warn';
  return badge(status, kind);
}

export function levelBadge(level) {
  return badge(level, level === 'OWNER' ? 'owner' : 'collab');
}

export function lastSix(value) {
  return h('code', { class: 'last-six', title: 'last six characters' }, `…${value}`);
}

/** A labelled form field; returns {field, input}. */
export function field(label, input, hint) {
  const id = input.id || `f-${Math.random().toString(36).slice(2, 10)}`;
  input.id = id;
  const wrap = h('div', { class: 'field' }, h('label', { for: id }, label), input,
    hint ? h('small', { class: 'hint' }, hint) : null);
  return { field: wrap, input };
}

export function checkbox(label, props) {
  const input = h('input', { type: 'checkbox', ...props });
  const wrap = h('label', { class: 'check' }, input, h('span', {}, label));
  return { field: wrap, input };
}

export function levelSelect(value, props) {
  return h('select', props || {},
    h('option', { value: 'COLLABORATOR', selected: value !== 'OWNER' }, 'COLLABORATOR'),
    h('option', { value: 'OWNER', selected: value === 'OWNER' }, 'OWNER'));
}

/** A message line for errors (role=alert) next to what caused them. */
export function errorLine(extraClass) {
  return h('p', { class: `error ${extraClass || ''}`.trim(), role: 'alert', hidden: true });
}

export function showError(el, err) {
  el.textContent = describeError(err);
  el.hidden = false;
}

export function hideError(el) {
  el.textContent = '';
  el.hidden = true;
}

/** A readable sentence for an ApiError, a network failure or anything else. */
export function describeError(err) {
  if (err && err.problem) {
    const p = err.problem;
    const head = p.title || `HTTP ${err.status}`;
    return p.detail && p.detail !== p.title ? `${head}: ${p.detail}` : head;
  }
  if (err && err.message) return err.message;
  return String(err);
}

/**
 * Runs an async action for a button: disables it (aria-busy) while it runs, clears and
 * fills `errorEl` on failure. Returns the action's result, or undefined when it failed.
 */
export async function run(button, errorEl, action) {
  if (errorEl) hideError(errorEl);
  const buttons = Array.isArray(button) ? button : [button];
  for (const b of buttons) if (b) { b.disabled = true; b.setAttribute('aria-busy', 'true'); }
  try {
    return await action();
  } catch (err) {
    if (errorEl) showError(errorEl, err);
    else console.error(err);
    return undefined;
  } finally {
    for (const b of buttons) if (b) { b.disabled = false; b.removeAttribute('aria-busy'); }
  }
}
