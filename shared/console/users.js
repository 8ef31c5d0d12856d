// Users: list (everyone); add, edit level/role, rotate CLI token, suspend, remove (OWNER only).
import { h, field, checkbox, levelSelect, levelBadge, badge, time, errorLine, showError, run } from './dom.js';
import { request, enc } from './api.js';
import { pagedTable, actionsCell, section } from './table.js';
import { showSecret, confirmAction } from './dialogs.js';
import { confirmRotation, graceNote, suspendToggle, suspensionBadge } from './lifecycle.js';

const TOKEN_CREATOR = 'TokenCreator';

export function render(panel, ctx) {
  const { me, isOwner } = ctx;
  const columns = [
    { label: 'Email' }, { label: 'Name' }, { label: 'Level' }, { label: 'Roles' }, { label: 'Status' }, { label: 'Created' },
  ];
  if (isOwner) columns.push({ label: 'Actions', class: 'actions' });

  const table = pagedTable({
    columns,
    testId: 'users-table',
    empty: 'No users.',
    fetchPage: (cursor) => request('GET', '/users', { query: { max_items: 20, cursor } }),
    row: (user) => userRow(user),
  });

  function rolesCell(user) {
    return user.roles.length ? user.roles.map((r) => badge(r, 'role')) : [h('span', { class: 'muted' }, '—')];
  }

  function userRow(user) {
    const isMe = user.id === me.id;
    const tr = h('tr', { dataset: { email: user.email } });
    const emailCell = h('td', {}, h('span', { class: 'email' }, user.email), isMe ? badge('you', 'you') : null);
    const levelCell = h('td', {}, levelBadge(user.permission_level));
    const rolesTd = h('td', { class: 'roles' }, rolesCell(user));
    const statusCell = h('td', { class: 'status-cell' }, suspensionBadge(user));
    tr.append(emailCell, h('td', { class: 'name' }, user.name || ''), levelCell, rolesTd, statusCell, h('td', {}, time(user.created_at)));
    if (!isOwner) return tr;

    const edit = h('button', { type: 'button', class: 'btn secondary small' }, 'Edit');
    // An owner's credentials are its own, also after a demotion (owner_since): no rotating
    // the CLI token of another user who is or was an OWNER.
    const rotate = user.permission_level === 'OWNER' || user.owner_since ? null
      : h('button', { type: 'button', class: 'btn secondary small' }, 'Rotate CLI token');
    const remove = h('button', { type: 'button', class: 'btn danger small' }, 'Remove');
    const { cell, error } = actionsCell(edit, rotate);
    // Suspending oneself would lock this session out: not offered on one's own row.
    if (!isMe) cell.querySelector('.btn-group').append(suspendToggle(user, `/users/${enc(user.id)}`, statusCell, error, user.email));
    cell.querySelector('.btn-group').append(remove);
    tr.append(cell);

    edit.addEventListener('click', () => {
      const select = levelSelect(user.permission_level, { 'aria-label': `Permission level of ${user.email}` });
      const tc = checkbox(TOKEN_CREATOR, { checked: user.roles.includes(TOKEN_CREATOR) });
      levelCell.replaceChildren(select);
      rolesTd.replaceChildren(tc.field);
      const save = h('button', { type: 'button', class: 'btn primary small' }, 'Save');
      const cancel = h('button', { type: 'button', class: 'btn secondary small' }, 'Cancel');
      const group = cell.firstChild;
      const saved = [...group.childNodes];
      group.replaceChildren(save, cancel);
      const restore = (u) => {
        levelCell.replaceChildren(levelBadge(u.permission_level));
        rolesTd.replaceChildren(...rolesCell(u));
        group.replaceChildren(...saved);
      };
      cancel.addEventListener('click', () => restore(user));
      save.addEventListener('click', () => run([save, cancel], error, async () => {
        const roles = user.roles.filter((r) => r !== TOKEN_CREATOR);
        if (tc.input.checked) roles.push(TOKEN_CREATOR);
        const updated = await request('PATCH', `/users/${enc(user.id)}`, { body: { permission_level: select.value, roles } });
        Object.assign(user, updated);
        restore(user);
        if (isMe) ctx.refreshMe();
      }));
    });

    if (rotate) {
      rotate.addEventListener('click', async () => {
        const chosen = await confirmRotation({
          title: 'Rotate CLI token?',
          message: `One new CLI token is issued for ${user.email}. ${graceNote('older CLI tokens')}`,
          confirmLabel: 'Rotate',
        });
        if (!chosen) return;
        const result = await run(rotate, error, () => request('POST', `/users/${enc(user.id)}/cli-tokens/rotate`, { body: chosen }));
        if (result) await showSecret({ title: 'New CLI token', subject: `For ${user.email}`, from: result, field: 'cli_token' });
      });
    }

    remove.addEventListener('click', async () => {
      const ok = await confirmAction({
        title: 'Remove user?',
        message: `${user.email} is removed from the organization and every credential of theirs stops working at once.`,
        confirmLabel: 'Remove user',
      });
      if (!ok) return;
      const done = await run(remove, error, async () => {
        await request('DELETE', `/users/${enc(user.id)}`);
        return true;
      });
      if (done) tr.remove();
    });
    return tr;
  }

  const parts = [];
  if (isOwner) parts.push(addUserForm((user) => table.prepend(user)));
  parts.push(section(isOwner ? 'Users' : 'Users (read-only)', table.el));
  panel.replaceChildren(...parts);
  table.reload();
}

function addUserForm(onAdded) {
  const email = field('Email', h('input', { type: 'email', name: 'email', required: true, autocomplete: 'off', placeholder: 'someone@example.com' }));
  const name = field('Name', h('input', { type: 'text', name: 'name', autocomplete: 'off', placeholder: 'optional' }));
  const level = field('Permission level', levelSelect('COLLABORATOR', { name: 'permission_level' }));
  const tc = checkbox(`${TOKEN_CREATOR} (may create access tokens)`, { name: 'token_creator' });
  const submit = h('button', { type: 'submit', class: 'btn primary' }, 'Add user');
  const error = errorLine();
  const form = h('form', { class: 'inline-form', 'data-testid': 'add-user-form', novalidate: true },
    email.field, name.field, level.field, h('div', { class: 'field check-field' }, tc.field),
    h('div', { class: 'field submit-field' }, submit));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = { email: email.input.value.trim(), permission_level: level.input.value };
    if (!body.email) return showError(error, new Error('Enter the new user\'s email.'));
    if (name.input.value.trim()) body.name = name.input.value.trim();
    if (tc.input.checked) body.roles = [TOKEN_CREATOR];
    const created = await run(submit, error, () => request('POST', '/users', { body }));
    if (!created) return;
    form.reset();
    onAdded(created.user);
    await showSecret({
      title: 'User added',
      subject: `CLI token for ${created.user.email}`,
      from: created, field: 'cli_token',
      note: 'Hand it to the user over a safe channel; they sign in with it (latchkey login).',
    });
  });
  return section('Add a user', form, error);
}
