// API keys across the organization (OWNER): filter, show inactive, disable and enable,
// edit a description, roll one (with a grace period), revoke one.
import { h, field, checkbox, time, statusBadge, lastSix, run, errorLine, hideError, showError } from './dom.js';
import { request, enc } from './api.js';
import { pagedTable, actionsCell, section } from './table.js';
import { confirmAction, showSecret } from './dialogs.js';
import { scopesView } from './scopes.js';
import { disableToggle, descriptionEditor, descriptionView, confirmRotation } from './lifecycle.js';

export function render(panel) {
  const email = field('Service-account email', h('input', { type: 'text', name: 'service_account_email', autocomplete: 'off', placeholder: 'name@org-….serviceaccount.com' }));
  const six = field('Last six', h('input', { type: 'text', name: 'last_six', autocomplete: 'off', maxlength: '6', size: '8', placeholder: 'aB3dE9', class: 'mono' }));
  const inactive = checkbox('Show inactive', { name: 'show_inactive' });
  const apply = h('button', { type: 'submit', class: 'btn primary' }, 'Filter');
  const reset = h('button', { type: 'button', class: 'btn secondary' }, 'Clear');
  const error = errorLine();
  const form = h('form', { class: 'inline-form', 'data-testid': 'api-keys-filter', novalidate: true },
    email.field, six.field, h('div', { class: 'field check-field' }, inactive.field),
    h('div', { class: 'field submit-field' }, h('div', { class: 'btn-group' }, apply, reset)));

  let filters = {};
  const table = pagedTable({
    columns: [{ label: 'Key' }, { label: 'Description' }, { label: 'Service account' }, { label: 'Status' }, { label: 'Scopes' }, { label: 'Created' },
      { label: 'Expires' }, { label: 'Last used' }, { label: 'Revoked' }, { label: 'Actions', class: 'actions' }],
    testId: 'api-keys-table',
    empty: 'No API keys match.',
    fetchPage: (cursor) => request('GET', '/api-keys', { query: { max_items: 20, cursor, ...filters } }),
    row: keyRow,
  });

  function keyRow(key) {
    const live = key.status === 'active' || key.status === 'disabled';
    const revoke = live ? h('button', { type: 'button', class: 'btn danger small' }, 'Revoke') : null;
    const statusCell = h('td', {}, statusBadge(key.status));
    const descCell = h('td', { class: 'description-cell' }, descriptionView(key));
    const path = `/api-keys/${enc(key.id)}`;
    const { cell, error: rowError } = actionsCell();
    const toggle = disableToggle(key, path, statusCell, rowError);
    const edit = live ? descriptionEditor(key, path, descCell, rowError) : null;
    const roll = live ? h('button', { type: 'button', class: 'btn secondary small' }, 'Roll') : null;
    cell.querySelector('.btn-group').append(...[toggle, edit, roll, revoke].filter(Boolean));
    const revokedCell = h('td', {}, time(key.revoked_at));
    const tr = h('tr', { dataset: { lastSix: key.last_six, id: key.id } },
      h('td', {}, lastSix(key.last_six)), descCell, h('td', {}, h('span', { class: 'email service' }, key.owner_email)), statusCell,
      h('td', { class: 'scopes-cell' }, scopesView(key.scopes)),
      h('td', {}, time(key.created_at)), h('td', {}, time(key.expires_at)), h('td', {}, time(key.last_used_at)), revokedCell, cell);
    if (roll) {
      roll.addEventListener('click', async () => {
        const chosen = await confirmRotation({
          title: 'Roll API key?',
          message: `A new key like …${key.last_six} (same account, description, scopes and lifespan) is issued. `
            + 'This key stops working when the grace period ends (at once for 0); the account\'s other keys are untouched.',
          confirmLabel: 'Roll key',
        });
        if (!chosen) return;
        const result = await run(roll, rowError, () => request('POST', `${path}/rotate`, { body: chosen }));
        if (!result) return;
        await showSecret({ title: 'Key rolled: new API key', subject: `For ${key.owner_email} (key …${result.key.last_six})`, from: result, field: 'api_key' });
        table.reload();
      });
    }
    if (revoke) {
      revoke.addEventListener('click', async () => {
        const ok = await confirmAction({
          title: 'Revoke API key?',
          message: `Key …${key.last_six} of ${key.owner_email} stops working now. This cannot be undone.`,
          confirmLabel: 'Revoke key',
        });
        if (!ok) return;
        const done = await run(revoke, rowError, async () => { await request('DELETE', `/api-keys/${enc(key.id)}`); return true; });
        if (done) {
          statusCell.replaceChildren(statusBadge('revoked'));
          revokedCell.replaceChildren(time(new Date().toISOString()));
          revoke.remove();
          if (toggle) toggle.remove();
          if (edit) edit.remove();
        }
      });
    }
    return tr;
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    hideError(error);
    const lastSixValue = six.input.value.trim();
    if (lastSixValue && !/^[0-9A-Za-z]{6}$/.test(lastSixValue)) {
      return showError(error, new Error('Last six: exactly six letters or digits, the end of the key.'));
    }
    filters = {
      service_account_email: email.input.value.trim() || undefined,
      last_six: lastSixValue || undefined,
      show_inactive: inactive.input.checked ? 'true' : undefined,
    };
    table.reload();
  });
  reset.addEventListener('click', () => {
    form.reset();
    hideError(error);
    filters = {};
    table.reload();
  });
  inactive.input.addEventListener('change', () => form.requestSubmit());

  panel.replaceChildren(section('Find API keys', form, error), section('API keys', table.el));
  table.reload();
}
