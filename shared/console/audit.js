// The audit log (OWNER): who changed what, when and from where, newest first; filters by
// action, actor, target and time; "Load more" follows next_cursor. Actors and targets are
// shown by their labels (emails, names, …last_six), their ids only on hover.
import { h, field, time, badge, errorLine, hideError, showError } from './dom.js';
import { request } from './api.js';
import { pagedTable, section } from './table.js';

// The stable action names of the audit log (SPEC section 8); a Rust test checks this list
// against the server's.
const ACTIONS = [
  'organization.created', 'organization.recovered', 'organization.policy_updated',
  'user.created', 'user.updated', 'user.removed',
  'service_account.created', 'service_account.updated', 'service_account.deleted',
  'credential.created', 'credential.rotated', 'credential.revoked', 'credential.revoked_all',
  'credential.updated', 'credential.leak_reported', 'credential.expiring',
];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The actor's email; one without (bootstrap and recover, a public leak report) by its type. */
function actorCell(actor) {
  const who = actor.email
    ? h('span', { class: 'email', title: actor.id || '' }, actor.email)
    : badge(actor.type === 'operator' || actor.type === 'anonymous' ? actor.type : actor.type || 'unknown', 'collab');
  const how = actor.credential_kind ? h('small', { class: 'muted audit-via' }, `via ${actor.credential_kind.replace('_', ' ')}`) : null;
  return h('td', { class: 'audit-actor' }, who, how);
}

/** The target's label (an email, a name or …last_six); its type and id only when it has none. */
function targetCell(target) {
  const label = target.label
    ? h('span', { class: target.type === 'credential' ? 'mono' : 'email', title: target.id }, target.label)
    : h('code', {}, target.id);
  return h('td', { class: 'audit-target' }, label, h('small', { class: 'muted audit-type' }, target.type.replace('_', ' ')));
}

function detailsView(event) {
  const pairs = [
    ['Event', event.id],
    ['Request', event.request.id || '—'],
    ['User agent', event.request.user_agent || '—'],
    ['Details', JSON.stringify(event.details, null, 2)],
  ];
  return h('dl', { class: 'details audit-details' },
    pairs.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, k === 'Details' ? h('pre', {}, v) : v)]));
}

/** A datetime-local value (the browser's local time) as RFC 3339 UTC, or undefined. */
function toRfc3339(value) {
  if (!value) return undefined;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new Error('Times: pick a date and a time.');
  return d.toISOString();
}

export function render(panel) {
  const action = field('Action', h('select', { name: 'action' },
    h('option', { value: '' }, 'All actions'), ACTIONS.map((a) => h('option', { value: a }, a))));
  const actor = field('Actor id', h('input', { type: 'text', name: 'actor_id', autocomplete: 'off', spellcheck: 'false', class: 'mono', placeholder: 'a user or service account id' }));
  const target = field('Target id', h('input', { type: 'text', name: 'target_id', autocomplete: 'off', spellcheck: 'false', class: 'mono', placeholder: 'any id' }));
  const since = field('Since', h('input', { type: 'datetime-local', name: 'since' }), 'your local time, inclusive');
  const until = field('Until', h('input', { type: 'datetime-local', name: 'until' }), 'exclusive');
  const apply = h('button', { type: 'submit', class: 'btn primary' }, 'Filter');
  const reset = h('button', { type: 'button', class: 'btn secondary' }, 'Clear');
  const error = errorLine();
  const form = h('form', { class: 'inline-form', 'data-testid': 'audit-filter', novalidate: true },
    action.field, actor.field, target.field, since.field, until.field,
    h('div', { class: 'field submit-field' }, h('div', { class: 'btn-group' }, apply, reset)));

  let filters = {};
  const table = pagedTable({
    columns: [{ label: 'Time' }, { label: 'Action' }, { label: 'Actor' }, { label: 'Target' }, { label: 'Source IP' },
      { label: '', class: 'actions' }],
    testId: 'audit-table',
    empty: 'No audit events match.',
    fetchPage: (cursor) => request('GET', '/audit-events', { query: { max_items: 20, cursor, ...filters } }),
    row: eventRow,
  });

  function eventRow(event) {
    const more = h('button', { type: 'button', class: 'btn secondary small', 'aria-expanded': 'false' }, 'Details');
    const tr = h('tr', { dataset: { id: event.id, action: event.action } },
      h('td', {}, time(event.time)), h('td', {}, h('code', { class: 'audit-action' }, event.action)),
      actorCell(event.actor), targetCell(event.target),
      h('td', { class: 'mono' }, event.request.source_ip || '—'), h('td', { class: 'actions' }, more));
    let open = null;
    more.addEventListener('click', () => {
      if (open) {
        open.remove();
        open = null;
      } else {
        open = h('tr', { class: 'audit-details-row' }, h('td', { colSpan: 6 }, detailsView(event)));
        tr.after(open);
      }
      more.setAttribute('aria-expanded', String(Boolean(open)));
    });
    return tr;
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    hideError(error);
    const actorId = actor.input.value.trim();
    const targetId = target.input.value.trim();
    if ((actorId && !UUID.test(actorId)) || (targetId && !UUID.test(targetId))) {
      return showError(error, new Error('Actor and target ids are UUIDs (e.g. from the users or API keys tabs).'));
    }
    try {
      filters = {
        action: action.input.value || undefined,
        actor_id: actorId || undefined,
        target_id: targetId || undefined,
        since: toRfc3339(since.input.value),
        until: toRfc3339(until.input.value),
      };
    } catch (err) {
      return showError(error, err);
    }
    table.reload();
  });
  reset.addEventListener('click', () => {
    form.reset();
    hideError(error);
    filters = {};
    table.reload();
  });
  action.input.addEventListener('change', () => form.requestSubmit());

  panel.replaceChildren(section('Filter the audit log', form, error), section('Audit log', table.el));
  table.reload();
}
