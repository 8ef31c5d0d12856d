// The organization and its policy (SPEC section 11): every member sees it; an OWNER (with a
// persistent credential) edits the lifetime limits and the IP ranges. A change that would
// shut out this browser's own address is refused by the API (409): told here in plain words.
import { h, field, time, errorLine, showError, hideError, run, describeError } from './dom.js';
import { request } from './api.js';
import { section } from './table.js';

const MAX_RANGES = 50;

export function render(panel, ctx) {
  const status = h('p', { class: 'table-status loading', role: 'status' }, 'Loading…');
  panel.replaceChildren(status);
  request('GET', '/organization').then((org) => show(panel, ctx, org), (err) => {
    status.className = 'table-status error';
    status.setAttribute('role', 'alert');
    status.textContent = describeError(err);
  });
}

function show(panel, ctx, org, notice) {
  const p = org.policy;
  const details = h('dl', { class: 'details', 'data-testid': 'organization' },
    h('dt', {}, 'Name'), h('dd', {}, org.name),
    h('dt', {}, 'ID'), h('dd', {}, h('code', {}, org.id)),
    h('dt', {}, 'Created'), h('dd', {}, time(org.created_at)));
  const ranges = p.allowed_ip_ranges.length
    ? h('ul', { class: 'range-list' }, p.allowed_ip_ranges.map((r) => h('li', {}, h('code', {}, r))))
    : h('span', { class: 'muted' }, 'any address');
  const policy = h('dl', { class: 'details', 'data-testid': 'policy' },
    h('dt', {}, 'Access tokens expire within'), h('dd', { 'data-testid': 'policy-access-token-max-days' }, days(p.access_token_max_days)),
    h('dt', {}, 'API keys expire within'), h('dd', { 'data-testid': 'policy-api-key-max-days' },
      p.api_key_max_days ? days(p.api_key_max_days) : h('span', { class: 'muted' }, 'no limit (API keys may never expire)')),
    h('dt', {}, 'Allowed IP ranges'), h('dd', { 'data-testid': 'policy-ranges' }, ranges));
  const saved = notice ? h('p', { class: 'notice', role: 'status', 'data-testid': 'policy-notice' }, notice) : null;
  const parts = [
    section('Organization', details),
    section('Policy',
      h('p', { class: 'muted' }, 'Lifetime limits apply to credentials created afterwards. IP ranges apply to every credential of the organization, from the next request: any other source address is refused.'),
      policy, saved),
  ];
  if (ctx.isOwner) parts.push(editForm(org, (updated, message) => show(panel, ctx, updated, message), () => saved && saved.remove()));
  panel.replaceChildren(...parts);
}

function days(n) {
  return n === 1 ? '1 day' : `${n} days`;
}

function editForm(org, onSaved, clearNotice) {
  const p = org.policy;
  const access = field('Access tokens expire within (days)', h('input', {
    type: 'number', name: 'access_token_max_days', min: '1', step: '1', value: String(p.access_token_max_days), class: 'narrow',
  }));
  const keys = field('API keys expire within (days)', h('input', {
    type: 'number', name: 'api_key_max_days', min: '1', max: '3650', step: '1', value: p.api_key_max_days ? String(p.api_key_max_days) : '',
    placeholder: 'no limit', class: 'narrow',
  }), 'empty: API keys may never expire');
  const ranges = field('Allowed IP ranges', h('textarea', {
    name: 'allowed_ip_ranges', rows: '5', spellcheck: 'false', autocomplete: 'off', class: 'mono',
    placeholder: '203.0.113.0/24\n2001:db8::/32',
  }), 'one CIDR per line (IPv4 or IPv6; a bare address is one host); empty: any address');
  ranges.input.value = p.allowed_ip_ranges.join('\n');
  const submit = h('button', { type: 'submit', class: 'btn primary' }, 'Save policy');
  const error = errorLine();
  error.dataset.testid = 'policy-error';
  const form = h('form', { class: 'policy-form', 'data-testid': 'policy-form', novalidate: true },
    h('div', { class: 'inline-form' }, access.field, keys.field), ranges.field, h('div', { class: 'form-actions' }, submit));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    hideError(error);
    clearNotice();
    let change;
    try {
      change = changes(p, access.input.value, keys.input.value, ranges.input.value);
    } catch (err) {
      return showError(error, err);
    }
    if (!Object.keys(change).length) return showError(error, new Error('Nothing to change: the form shows the policy as it is.'));
    let refusal = null;
    const updated = await run(submit, null, async () => {
      try {
        return await request('PATCH', '/organization', { body: { policy: change } });
      } catch (err) {
        refusal = err;
        return undefined;
      }
    });
    if (updated) return onSaved(updated, 'Policy saved.');
    error.textContent = refusal && refusal.status === 409
      ? `Not saved: these IP ranges would shut you out. Your own requests come from an address outside them, so from the next request on this session would be refused too. Add a range that holds your address, or leave the list empty. (${describeError(refusal)})`
      : describeError(refusal);
    error.hidden = false;
  });
  return section('Edit the policy', form, error);
}

/** The fields of the form that differ from the policy, as PATCH /organization takes them. */
function changes(policy, accessText, keysText, rangesText) {
  const change = {};
  const access = wholeDays(accessText, 'Access tokens expire within');
  if (access === null) throw new Error('Access tokens expire within: give a number of days.');
  if (access !== policy.access_token_max_days) change.access_token_max_days = access;
  const keys = wholeDays(keysText, 'API keys expire within');
  if (keys !== (policy.api_key_max_days ?? null)) change.api_key_max_days = keys;
  const ranges = rangesText.split('\n').map((line) => line.trim()).filter(Boolean);
  if (ranges.length > MAX_RANGES) throw new Error(`Allowed IP ranges: at most ${MAX_RANGES}.`);
  if (ranges.join('\n') !== policy.allowed_ip_ranges.join('\n')) change.allowed_ip_ranges = ranges;
  return change;
}

/** A whole number of days from an input, or null when it is empty. */
function wholeDays(text, label) {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  const n = Number(trimmed);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${label}: a whole number of days, 1 or more.`);
  return n;
}
