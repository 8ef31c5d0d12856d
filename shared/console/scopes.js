// Scopes (what a key or token may do): a picker for creating one, and how a list shows them.
// latchkey's own scopes are checkboxes; the organization's own are free text.
import { h, checkbox, field, badge } from './dom.js';

export const LATCHKEY_SCOPES = [
  ['latchkey:read', 'read everything (every GET)'],
  ['latchkey:users', 'change users and their CLI tokens'],
  ['latchkey:service-accounts', 'change service accounts and API keys'],
  ['latchkey:tokens', 'create and edit access tokens'],
  ['latchkey:verify', 'verify tokens (POST /verify)'],
  ['latchkey:audit', 'read the audit log'],
  ['latchkey:policy', 'change the organization policy'],
];

const SCOPE = /^[a-z][a-z0-9_.:-]{0,63}$/;

/**
 * A "Limit to scopes" switch with the scopes to limit to. `value()` is null when the
 * switch is off (unscoped: the principal's whole power), else the chosen scopes (maybe
 * none: such a credential can call only /me); it throws on a malformed custom scope.
 */
export function scopePicker(testId) {
  const limit = checkbox('Limit to scopes', { name: 'limit_scopes', 'data-testid': `${testId}-limit` });
  const boxes = LATCHKEY_SCOPES.map(([scope, what]) => {
    const box = checkbox(scope, { value: scope, 'data-scope': scope });
    box.field.title = what;
    return box;
  });
  const custom = field('Your own scopes', h('input', {
    type: 'text', name: 'custom_scopes', autocomplete: 'off', placeholder: 'orders:read orders:write', 'data-testid': `${testId}-custom`,
  }), 'space-separated, e.g. orders:read; your API sees them in the authorizer context');
  const choices = h('div', { class: 'scope-choices', hidden: true }, h('div', { class: 'scope-boxes' }, ...boxes.map((b) => b.field)), custom.field);
  limit.input.addEventListener('change', () => { choices.hidden = !limit.input.checked; });
  const el = h('div', { class: 'field scope-picker', 'data-testid': testId }, limit.field, choices);
  const value = () => {
    if (!limit.input.checked) return null;
    const chosen = boxes.filter((b) => b.input.checked).map((b) => b.input.value);
    for (const scope of custom.input.value.split(/[\s,]+/).filter(Boolean)) {
      if (!SCOPE.test(scope)) throw new Error(`Scope “${scope}”: 1–64 of a–z, 0–9, _ . : -, starting with a letter.`);
      if (!chosen.includes(scope)) chosen.push(scope);
    }
    return chosen;
  };
  const reset = () => {
    limit.input.checked = false;
    choices.hidden = true;
    for (const b of boxes) b.input.checked = false;
    custom.input.value = '';
  };
  return { el, value, reset };
}

/** A list cell: "all" for an unscoped credential, "none", or one badge per scope. */
export function scopesView(scopes) {
  if (scopes === null || scopes === undefined) return h('span', { class: 'muted', title: 'unscoped: the principal\'s whole power' }, 'all');
  if (scopes.length === 0) return h('span', { class: 'muted', title: 'can call only /me' }, 'none');
  return h('span', { class: 'scopes' }, ...scopes.map((s) => badge(s, s.startsWith('latchkey:') ? 'scope' : 'scope custom')));
}

/**
 * Asks which scopes a new credential gets, in the confirmation dialog. Resolves to
 * `{ scopes }` (null: unscoped) when confirmed, or null when cancelled.
 */
export function chooseScopes({ title, message, confirmLabel }) {
  const dialog = document.getElementById('confirm-dialog');
  const picker = scopePicker('dialog-scopes');
  const error = h('p', { class: 'error', role: 'alert', hidden: true });
  const ok = h('button', { type: 'button', class: 'btn primary', 'data-testid': 'confirm-ok' }, confirmLabel);
  const cancel = h('button', { type: 'button', class: 'btn secondary', 'data-testid': 'confirm-cancel' }, 'Cancel');
  dialog.replaceChildren(
    h('div', { class: 'dialog-body' }, h('h2', { id: 'confirm-title' }, title), h('p', {}, message), picker.el, error),
    h('div', { class: 'dialog-actions' }, cancel, ok),
  );
  return new Promise((resolve) => {
    let answer = null;
    const onClose = () => {
      dialog.removeEventListener('close', onClose);
      dialog.replaceChildren();
      resolve(answer);
    };
    dialog.addEventListener('close', onClose);
    ok.addEventListener('click', () => {
      try {
        answer = { scopes: picker.value() };
      } catch (err) {
        error.textContent = err.message;
        error.hidden = false;
        return;
      }
      dialog.close();
    });
    cancel.addEventListener('click', () => dialog.close());
    dialog.showModal();
    cancel.focus();
  });
}
