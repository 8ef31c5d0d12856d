// The credential lifecycle (SPEC section 10), shared by the tabs: Disable/Enable of a live
// credential, a description editor, the grace period asked on every rotation and roll, and
// Suspend/Unsuspend of a user or service account.
import { h, badge, statusBadge, run } from './dom.js';
import { request } from './api.js';
import { confirmAction } from './dialogs.js';

/**
 * The Disable/Enable button of a credential row (none for a revoked or expired one). `path`:
 * where the credential is PATCHed; `statusCell`: the cell that shows its status. A refusal
 * (a holder enabling what an OWNER disabled: 403; revoked meanwhile: 409) shows in `error`.
 */
export function disableToggle(info, path, statusCell, error) {
  if (info.status !== 'active' && info.status !== 'disabled') return null;
  const button = h('button', { type: 'button', class: 'btn secondary small', 'data-testid': 'toggle-disabled' });
  const label = () => { button.textContent = info.status === 'disabled' ? 'Enable' : 'Disable'; };
  label();
  button.addEventListener('click', async () => {
    const disabled = info.status !== 'disabled';
    const updated = await run(button, error, () => request('PATCH', path, { body: { disabled } }));
    if (!updated) return;
    Object.assign(info, updated);
    statusCell.replaceChildren(statusBadge(updated.status));
    label();
  });
  return button;
}

/** The description of a credential, or a muted note when it has none. */
export function descriptionView(info) {
  return info.description ? h('span', { class: 'description' }, info.description) : h('span', { class: 'muted' }, 'no description');
}

/** An "Edit description" button that edits `info`'s description in `cell`, PATCHing `path`. */
export function descriptionEditor(info, path, cell, error) {
  const edit = h('button', { type: 'button', class: 'btn secondary small' }, 'Edit description');
  edit.addEventListener('click', () => {
    const input = h('input', { type: 'text', value: info.description || '', 'aria-label': 'Description', maxlength: '256' });
    const save = h('button', { type: 'button', class: 'btn primary small' }, 'Save');
    const cancel = h('button', { type: 'button', class: 'btn secondary small' }, 'Cancel');
    const editor = h('form', { class: 'cell-editor', novalidate: true }, input, save, cancel);
    cell.replaceChildren(editor);
    edit.disabled = true;
    input.focus();
    const close = () => { cell.replaceChildren(descriptionView(info)); edit.disabled = false; };
    cancel.addEventListener('click', close);
    const submit = () => run([save, cancel], error, async () => {
      const updated = await request('PATCH', path, { body: { description: input.value } });
      Object.assign(info, updated);
      close();
    });
    save.addEventListener('click', submit);
    editor.addEventListener('submit', (event) => { event.preventDefault(); submit(); });
  });
  return edit;
}

const MAX_GRACE = 86400;

/**
 * Asks before a rotation or a roll, with the grace period (SPEC section 10): how many
 * seconds the replaced credentials keep working (0–86400, default 0: they stop at once).
 * Resolves to `{ grace_period_seconds }` when confirmed, or null when cancelled.
 */
export function confirmRotation({ title, message, confirmLabel }) {
  const dialog = document.getElementById('confirm-dialog');
  const input = h('input', {
    type: 'number', min: '0', max: String(MAX_GRACE), step: '1', value: '0', class: 'narrow', id: 'grace-period',
    name: 'grace_period_seconds', 'data-testid': 'grace-period', inputmode: 'numeric',
  });
  const grace = h('div', { class: 'field' }, h('label', { for: 'grace-period' }, 'Grace period (seconds)'), input,
    h('small', { class: 'hint' }, '0: the replaced credentials stop at once; up to 86400 (a day) to let their users switch'));
  const error = h('p', { class: 'error', role: 'alert', hidden: true });
  const ok = h('button', { type: 'button', class: 'btn danger', 'data-testid': 'confirm-ok' }, confirmLabel);
  const cancel = h('button', { type: 'button', class: 'btn secondary', 'data-testid': 'confirm-cancel' }, 'Cancel');
  dialog.replaceChildren(
    h('div', { class: 'dialog-body' }, h('h2', { id: 'confirm-title' }, title), h('p', {}, message), grace, error),
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
      const text = input.value.trim();
      const seconds = text === '' ? 0 : Number(text);
      if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_GRACE) {
        error.textContent = `Grace period: a whole number of seconds from 0 to ${MAX_GRACE}.`;
        error.hidden = false;
        return;
      }
      answer = { grace_period_seconds: seconds };
      dialog.close();
    });
    cancel.addEventListener('click', () => dialog.close());
    input.addEventListener('input', () => { error.hidden = true; });
    dialog.showModal();
    cancel.focus();
  });
}

/** What becomes of the replaced credentials, for a rotation's confirmation message. */
export function graceNote(what) {
  return `The ${what} stop working when the grace period ends (at once for 0).`;
}

/** A principal's status badge: suspended or active. */
export function suspensionBadge(principal) {
  return badge(principal.suspended ? 'suspended' : 'active', principal.suspended ? 'warn' : 'ok');
}

/**
 * The Suspend/Unsuspend button of a user or service account row (SPEC section 10): every
 * credential of a suspended principal is refused until it is unsuspended. `path`: where the
 * principal is PATCHed; `statusCell`: the cell that shows its status; `label`: who it is.
 */
export function suspendToggle(principal, path, statusCell, error, label) {
  const button = h('button', { type: 'button', class: 'btn secondary small', 'data-testid': 'toggle-suspended' });
  const name = () => { button.textContent = principal.suspended ? 'Unsuspend' : 'Suspend'; };
  name();
  button.addEventListener('click', async () => {
    const suspended = !principal.suspended;
    if (suspended && !(await confirmAction({
      title: 'Suspend?',
      message: `Every credential of ${label} is refused from the next request until you unsuspend it. Nothing is revoked.`,
      confirmLabel: 'Suspend',
    }))) return;
    const updated = await run(button, error, () => request('PATCH', path, { body: { suspended } }));
    if (!updated) return;
    Object.assign(principal, updated);
    statusCell.replaceChildren(suspensionBadge(principal));
    name();
  });
  return button;
}
