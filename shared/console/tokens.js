// Access tokens: create (TokenCreator for self, OWNER for anyone), list, edit, disable and
// enable, revoke.
import { h, field, checkbox, time, statusBadge, lastSix, run, errorLine, showError, hideError } from './dom.js';
import { request, enc } from './api.js';
import { pagedTable, actionsCell, section } from './table.js';
import { showSecret, confirmAction } from './dialogs.js';
import { scopePicker, scopesView } from './scopes.js';
import { disableToggle } from './lifecycle.js';

export function render(panel, ctx) {
  const { me, isOwner } = ctx;
  const isUser = me.principal_type === 'user';
  const mayCreate = isOwner || (isUser && me.roles.includes('TokenCreator'));

  const showInactive = checkbox('Show inactive', { name: 'show_inactive' });
  let userFilter = '';
  const filterInput = isOwner ? h('input', { type: 'text', name: 'user', autocomplete: 'off', placeholder: 'all users' }) : null;

  const columns = [{ label: 'Description' }, { label: 'User' }, { label: 'Token' }, { label: 'Status' }, { label: 'Scopes' },
    { label: 'Created' }, { label: 'Expires' }, { label: 'Last used' }, { label: 'Actions', class: 'actions' }];
  const table = pagedTable({
    columns,
    testId: 'tokens-table',
    empty: isOwner ? 'No access tokens.' : 'You have no access tokens.',
    fetchPage: (cursor) => request('GET', '/tokens', {
      query: { max_items: 20, cursor, show_inactive: showInactive.input.checked ? 'true' : undefined, user: userFilter || undefined },
    }),
    row: tokenRow,
  });

  function descriptionView(info) {
    return info.description ? h('span', { class: 'description' }, info.description) : h('span', { class: 'muted' }, 'no description');
  }

  function tokenRow(info) {
    const active = info.status === 'active' || info.status === 'disabled';
    const edit = h('button', { type: 'button', class: 'btn secondary small' }, 'Edit description');
    const revoke = active ? h('button', { type: 'button', class: 'btn danger small' }, 'Revoke') : null;
    const { cell, error } = actionsCell(edit);
    const descCell = h('td', { class: 'description-cell' }, descriptionView(info));
    const statusCell = h('td', {}, statusBadge(info.status));
    const toggle = disableToggle(info, `/tokens/${enc(info.id)}`, statusCell, error);
    cell.querySelector('.btn-group').append(...[toggle, revoke].filter(Boolean));
    const tr = h('tr', { dataset: { id: info.id, lastSix: info.last_six } },
      descCell, h('td', {}, h('span', { class: 'email' }, info.owner_email)), h('td', {}, lastSix(info.last_six)), statusCell,
      h('td', { class: 'scopes-cell' }, scopesView(info.scopes)),
      h('td', {}, time(info.created_at)), h('td', {}, time(info.expires_at)), h('td', {}, time(info.last_used_at)), cell);

    edit.addEventListener('click', () => {
      const input = h('input', { type: 'text', value: info.description || '', 'aria-label': 'Description', maxlength: '1000' });
      const save = h('button', { type: 'button', class: 'btn primary small' }, 'Save');
      const cancel = h('button', { type: 'button', class: 'btn secondary small' }, 'Cancel');
      const editor = h('form', { class: 'cell-editor', novalidate: true }, input, save, cancel);
      descCell.replaceChildren(editor);
      edit.disabled = true;
      input.focus();
      const close = () => { descCell.replaceChildren(descriptionView(info)); edit.disabled = false; };
      cancel.addEventListener('click', close);
      const submit = () => run([save, cancel], error, async () => {
        const updated = await request('PATCH', `/tokens/${enc(info.id)}`, { body: { description: input.value } });
        Object.assign(info, updated);
        close();
      });
      save.addEventListener('click', submit);
      editor.addEventListener('submit', (event) => { event.preventDefault(); submit(); });
    });

    if (revoke) {
      revoke.addEventListener('click', async () => {
        const ok = await confirmAction({
          title: 'Revoke access token?',
          message: `Token …${info.last_six} of ${info.owner_email} stops working now. This cannot be undone.`,
          confirmLabel: 'Revoke token',
        });
        if (!ok) return;
        const updated = await run(revoke, error, () => request('PATCH', `/tokens/${enc(info.id)}`, { body: { revoked: true } }));
        if (updated) {
          Object.assign(info, updated);
          statusCell.replaceChildren(statusBadge(updated.status));
          revoke.remove();
          if (toggle) toggle.remove();
        }
      });
    }
    return tr;
  }

  const parts = [];
  if (mayCreate) parts.push(createForm(ctx, () => table.reload()));
  else if (isUser) parts.push(h('p', { class: 'card notice' }, 'Creating access tokens needs the TokenCreator role; ask an OWNER. You can still list, edit and revoke your own tokens.'));

  const filterError = errorLine();
  const filterBar = h('form', { class: 'toolbar', novalidate: true },
    filterInput ? field('User (email or id)', filterInput).field : null,
    h('div', { class: 'field check-field' }, showInactive.field),
    filterInput ? h('div', { class: 'field submit-field' }, h('button', { type: 'submit', class: 'btn secondary' }, 'Filter')) : null);
  filterBar.addEventListener('submit', (event) => {
    event.preventDefault();
    hideError(filterError);
    userFilter = filterInput ? filterInput.value.trim() : '';
    table.reload();
  });
  showInactive.input.addEventListener('change', () => table.reload());
  parts.push(section(isOwner ? 'Access tokens' : 'My access tokens', filterBar, filterError, table.el));
  panel.replaceChildren(...parts);
  table.reload();
}

function createForm(ctx, onCreated) {
  const { me, isOwner } = ctx;
  const isUser = me.principal_type === 'user';
  const user = isOwner
    ? field('For user', h('input', { type: 'text', name: 'user', autocomplete: 'off', placeholder: isUser ? 'me (or an email)' : 'user email (required)' }))
    : null;
  const days = field('Expires in (days)', h('input', { type: 'number', name: 'lifespan_days', min: '1', max: '365', defaultValue: '30', class: 'narrow' }));
  const description = field('Description', h('input', { type: 'text', name: 'description', autocomplete: 'off', placeholder: 'what it is for', maxlength: '1000' }));
  const scopes = scopePicker('token-scopes');
  const submit = h('button', { type: 'submit', class: 'btn primary' }, 'Create access token');
  const error = errorLine();
  const form = h('form', { class: 'inline-form', 'data-testid': 'create-token-form', novalidate: true },
    user ? user.field : null, days.field, description.field, scopes.el, h('div', { class: 'field submit-field' }, submit));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    hideError(error);
    const body = {};
    const n = Number(days.input.value);
    if (days.input.value !== '') {
      if (!Number.isInteger(n) || n < 1) return showError(error, new Error('Expiration: a whole number of days, at least 1.'));
      body.lifespan_days = n;
    }
    if (description.input.value.trim()) body.description = description.input.value.trim();
    if (user && user.input.value.trim()) body.user = user.input.value.trim();
    try {
      const chosen = scopes.value();
      if (chosen) body.scopes = chosen;
    } catch (err) {
      return showError(error, err);
    }
    if (!isUser && !body.user) return showError(error, new Error('A service account creates access tokens for a user: enter the user\'s email.'));
    const created = await run(submit, error, () => request('POST', '/tokens', { body }));
    if (!created) return;
    form.reset();
    scopes.reset();
    onCreated();
    const info = created.token_info;
    await showSecret({
      title: 'Access token created',
      subject: `For ${info.owner_email}, expires ${info.expires_at ? info.expires_at.slice(0, 10) : 'never'}`,
      from: created, field: 'token',
    });
  });
  return section('Create an access token', form, error);
}
