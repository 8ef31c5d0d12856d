// Disable and enable (SPEC section 10), shared by the API-key and access-token tables: one
// button that switches a live credential off and on again, and a description editor.
import { h, statusBadge, run } from './dom.js';
import { request } from './api.js';

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
