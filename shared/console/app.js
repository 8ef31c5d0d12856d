// latchkey console: sign-in, tabs, and the session. See docs/console.md.
import { h, describeError } from './dom.js';
import { request, session, setUnauthorizedHandler } from './api.js';
import * as users from './users.js';
import * as serviceAccounts from './service-accounts.js';
import * as apiKeys from './api-keys.js';
import * as tokens from './tokens.js';
import * as myCredentials from './me.js';
import * as audit from './audit.js';
import * as organization from './organization.js';

const TABS = [
  { id: 'users', label: 'Users', view: users, visible: () => true },
  { id: 'service-accounts', label: 'Service accounts', view: serviceAccounts, visible: (ctx) => ctx.isOwner },
  { id: 'api-keys', label: 'API keys', view: apiKeys, visible: (ctx) => ctx.isOwner },
  // Service accounts never hold access tokens; an OWNER one may still manage users' tokens.
  { id: 'tokens', label: 'Access tokens', view: tokens, visible: (ctx) => ctx.me.principal_type === 'user' || ctx.isOwner },
  { id: 'audit', label: 'Audit log', view: audit, visible: (ctx) => ctx.isOwner },
  { id: 'organization', label: 'Organization', view: organization, visible: () => true },
  { id: 'me', label: 'My credentials', view: myCredentials, visible: () => true },
];

const $ = (id) => document.getElementById(id);
let ctx = null;

function showSignIn(notice) {
  ctx = null;
  $('app').hidden = true;
  $('whoami').hidden = true;
  $('tabs').replaceChildren();
  $('panel').replaceChildren();
  $('sign-in').hidden = false;
  $('sign-in-error').hidden = true;
  $('sign-in-notice').hidden = !notice;
  $('sign-in-notice').textContent = notice || '';
  $('sign-in-token').value = '';
  $('sign-in-token').focus();
}

function signOut(notice) {
  session.clear();
  for (const d of document.querySelectorAll('dialog[open]')) d.close();
  history.replaceState(null, '', window.location.pathname);
  showSignIn(notice || 'Signed out.');
}

function showApp(me) {
  ctx = {
    me,
    isOwner: me.permission_level === 'OWNER',
    signOut,
    refreshMe: async () => {
      try {
        const fresh = await request('GET', '/me');
        showApp(fresh);
      } catch {
        /* a 401 signs out by itself */
      }
    },
  };
  $('sign-in').hidden = true;
  $('app').hidden = false;
  $('whoami').hidden = false;
  $('whoami-email').textContent = me.email;
  $('whoami-level').textContent = me.permission_level;
  $('whoami-level').className = `badge ${me.permission_level === 'OWNER' ? 'owner' : 'collab'}`;

  const visible = TABS.filter((t) => t.visible(ctx));
  const nav = $('tabs');
  nav.replaceChildren(...visible.map((tab) => h('button', {
    type: 'button',
    role: 'tab',
    class: 'tab',
    id: `tab-${tab.id}`,
    dataset: { tab: tab.id },
    'aria-selected': 'false',
    'aria-controls': 'panel',
    onClick: () => selectTab(tab.id),
  }, tab.label)));
  const wanted = window.location.hash.slice(1);
  selectTab(visible.some((t) => t.id === wanted) ? wanted : visible[0].id);
}

function selectTab(id) {
  if (!ctx) return;
  const tab = TABS.find((t) => t.id === id && t.visible(ctx));
  if (!tab) return;
  for (const button of $('tabs').children) {
    const selected = button.dataset.tab === id;
    button.setAttribute('aria-selected', String(selected));
    button.classList.toggle('active', selected);
  }
  history.replaceState(null, '', `#${id}`);
  const panel = $('panel');
  panel.setAttribute('aria-labelledby', `tab-${id}`);
  panel.dataset.tab = id;
  panel.replaceChildren();
  tab.view.render(panel, ctx);
}

async function signIn(event) {
  event.preventDefault();
  const input = $('sign-in-token');
  const error = $('sign-in-error');
  const button = $('sign-in-submit');
  const token = input.value.trim();
  error.hidden = true;
  $('sign-in-notice').hidden = true;
  if (!token) {
    error.textContent = 'Paste a token first.';
    error.hidden = false;
    return;
  }
  if (!/^lk[usa]_[0-9A-Za-z]+$/.test(token)) {
    error.textContent = 'That does not look like a latchkey token (lku_…, lks_… or lka_…).';
    error.hidden = false;
    return;
  }
  button.disabled = true;
  button.textContent = 'Signing in…';
  try {
    const me = await request('GET', '/me', { token });
    session.set(token);
    input.value = '';
    showApp(me);
  } catch (err) {
    error.textContent = err.status === 401 ? 'That token was not accepted (unknown, revoked or expired).' : describeError(err);
    error.hidden = false;
  } finally {
    button.disabled = false;
    button.textContent = 'Sign in';
  }
}

async function start() {
  setUnauthorizedHandler(() => signOut('Your token is no longer accepted (revoked, rotated or expired). Sign in again.'));
  $('sign-in-form').addEventListener('submit', signIn);
  $('sign-out').addEventListener('click', () => signOut());
  window.addEventListener('hashchange', () => {
    if (!ctx) return;
    const wanted = window.location.hash.slice(1);
    if (TABS.some((t) => t.id === wanted && t.visible(ctx))) selectTab(wanted);
    else selectTab($('panel').dataset.tab || 'users');
  });
  if (!session.token()) return showSignIn();
  try {
    showApp(await request('GET', '/me'));
  } catch (err) {
    if (err.status !== 401) showSignIn(describeError(err));
  }
}

start();
