// Service accounts (OWNER): create, delete, suspend and unsuspend, and per account its API keys.
import { h, field, levelSelect, levelBadge, time, errorLine, showError, run, statusBadge, lastSix, checkbox } from './dom.js';
import { request, enc } from './api.js';
import { pagedTable, actionsCell, section } from './table.js';
import { showSecret, confirmAction } from './dialogs.js';
import { chooseScopes, scopesView } from './scopes.js';
import { confirmRotation, graceNote, suspendToggle, suspensionBadge } from './lifecycle.js';

export function render(panel) {
  const columns = [{ label: 'Name' }, { label: 'Email' }, { label: 'Level' }, { label: 'Status' }, { label: 'Created' }, { label: 'Actions', class: 'actions' }];
  const table = pagedTable({
    columns,
    testId: 'service-accounts-table',
    empty: 'No service accounts yet. Create one above.',
    fetchPage: (cursor) => request('GET', '/service-accounts', { query: { max_items: 20, cursor } }),
    row: (account) => accountRows(account, columns.length),
  });
  panel.replaceChildren(createForm(() => table.reload()), section('Service accounts', table.el));
  table.reload();
}

function accountRows(account, span) {
  const ref = enc(account.name);
  const create = h('button', { type: 'button', class: 'btn secondary small' }, 'Create API key');
  const rotate = h('button', { type: 'button', class: 'btn secondary small' }, 'Rotate keys');
  const revokeAll = h('button', { type: 'button', class: 'btn secondary small' }, 'Revoke all keys');
  const view = h('button', { type: 'button', class: 'btn secondary small', 'aria-expanded': 'false' }, 'View keys');
  const remove = h('button', { type: 'button', class: 'btn danger small' }, 'Delete');
  const { cell, error } = actionsCell(create, rotate, revokeAll, view);
  const statusCell = h('td', { class: 'status-cell' }, suspensionBadge(account));
  cell.querySelector('.btn-group').append(suspendToggle(account, `/service-accounts/${ref}`, statusCell, error, account.name), remove);
  const tr = h('tr', { dataset: { name: account.name } },
    h('td', { class: 'name' }, account.name),
    h('td', {}, h('span', { class: 'email service' }, account.email)),
    h('td', {}, levelBadge(account.permission_level)),
    statusCell,
    h('td', {}, time(account.created_at)),
    cell);
  const detail = h('tr', { class: 'detail-row', hidden: true });
  const detailCell = h('td', { colSpan: span });
  detail.append(detailCell);
  let keys = null;
  const refreshKeys = () => { if (keys && !detail.hidden) keys.reload(); };

  const issue = async (button, method, path, title, body) => {
    const result = await run(button, error, () => request(method, path, body ? { body } : undefined));
    if (!result) return;
    refreshKeys();
    await showSecret({ title, subject: `For ${account.email} (key …${result.key.last_six})`, from: result, field: 'api_key' });
  };

  create.addEventListener('click', async () => {
    const chosen = await chooseScopes({
      title: 'New API key',
      message: `A new key for ${account.name}; its other keys keep working. Limit it to scopes, or leave it with the account's whole power.`,
      confirmLabel: 'Create key',
    });
    if (chosen) await issue(create, 'POST', `/service-accounts/${ref}/api-keys`, 'New API key', chosen.scopes ? { scopes: chosen.scopes } : null);
  });
  rotate.addEventListener('click', async () => {
    const chosen = await confirmRotation({
      title: 'Rotate API keys?',
      message: `One new key is issued for ${account.name}. ${graceNote('older keys')}`,
      confirmLabel: 'Rotate keys',
    });
    if (chosen) await issue(rotate, 'POST', `/service-accounts/${ref}/api-keys/rotate`, 'Keys rotated: new API key', chosen);
  });
  revokeAll.addEventListener('click', async () => {
    const ok = await confirmAction({
      title: 'Revoke all keys?',
      message: `Every API key of ${account.name} stops working now. The account stays; you can create a new key later.`,
      confirmLabel: 'Revoke all keys',
    });
    if (!ok) return;
    if (await run(revokeAll, error, async () => { await request('DELETE', `/service-accounts/${ref}/api-keys`); return true; })) refreshKeys();
  });
  view.addEventListener('click', () => {
    detail.hidden = !detail.hidden;
    view.setAttribute('aria-expanded', String(!detail.hidden));
    view.textContent = detail.hidden ? 'View keys' : 'Hide keys';
    if (!detail.hidden) {
      if (!keys) {
        keys = keysTable(account);
        detailCell.append(keys.el);
      }
      keys.reload();
    }
  });
  remove.addEventListener('click', async () => {
    const ok = await confirmAction({
      title: 'Delete service account?',
      message: `${account.name} is deleted and its keys stop working at once. A new account with the same name would be a new principal.`,
      confirmLabel: 'Delete account',
    });
    if (!ok) return;
    if (await run(remove, error, async () => { await request('DELETE', `/service-accounts/${ref}`); return true; })) {
      tr.remove();
      detail.remove();
    }
  });
  const frag = document.createDocumentFragment();
  frag.append(tr, detail);
  return frag;
}

function keysTable(account) {
  const inactive = checkbox('Show inactive', {});
  const table = pagedTable({
    columns: [{ label: 'Key' }, { label: 'Status' }, { label: 'Scopes' }, { label: 'Created' }, { label: 'Last used' }, { label: 'Revoked' }],
    testId: 'account-keys-table',
    empty: 'No keys.',
    fetchPage: (cursor) => request('GET', `/service-accounts/${enc(account.name)}/api-keys`, {
      query: { max_items: 20, cursor, show_inactive: inactive.input.checked ? 'true' : undefined },
    }),
    row: (key) => h('tr', { dataset: { lastSix: key.last_six } },
      h('td', {}, lastSix(key.last_six)), h('td', {}, statusBadge(key.status)), h('td', { class: 'scopes-cell' }, scopesView(key.scopes)),
      h('td', {}, time(key.created_at)), h('td', {}, time(key.last_used_at)), h('td', {}, time(key.revoked_at))),
  });
  inactive.input.addEventListener('change', () => table.reload());
  const el = h('div', { class: 'sub-table' },
    h('div', { class: 'sub-head' }, h('h3', {}, `API keys of ${account.name}`), inactive.field), table.el);
  return { el, reload: table.reload };
}

function createForm(onCreated) {
  const name = field('Name', h('input', { type: 'text', name: 'name', required: true, autocomplete: 'off', placeholder: 'ci-deployer', pattern: '[a-z][a-z0-9-]{0,62}',
    title: 'a–z, 0–9 and -, starting with a letter, 1–63 characters' }));
  const level = field('Permission level', levelSelect('COLLABORATOR', { name: 'permission_level' }));
  const submit = h('button', { type: 'submit', class: 'btn primary' }, 'Create service account');
  const error = errorLine();
  const form = h('form', { class: 'inline-form', 'data-testid': 'create-service-account-form', novalidate: true },
    name.field, level.field, h('div', { class: 'field submit-field' }, submit));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const value = name.input.value.trim();
    if (!value) return showError(error, new Error('Enter a name for the service account.'));
    const created = await run(submit, error, () => request('POST', '/service-accounts', { body: { name: value, permission_level: level.input.value } }));
    if (!created) return;
    form.reset();
    onCreated();
    await showSecret({
      title: 'Service account created',
      subject: `API key for ${created.service_account.email}`,
      from: created, field: 'api_key',
    });
  });
  return section('Create a service account', form, error);
}
