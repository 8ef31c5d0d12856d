// My credentials: who am I, rotate my CLI token, revoke my CLI tokens.
import { h, time, levelBadge, badge, lastSix, run, errorLine } from './dom.js';
import { request } from './api.js';
import { section } from './table.js';
import { showSecret, confirmAction } from './dialogs.js';
import { scopesView } from './scopes.js';
import { confirmRotation } from './lifecycle.js';

const KIND = { cli_token: 'CLI token', api_key: 'API key', access_token: 'access token' };

export function render(panel, ctx) {
  const { me } = ctx;
  const rows = [
    ['Principal', me.principal_type === 'user' ? 'user' : 'service account'],
    ['Email', h('span', { class: 'email' }, me.email)],
    ['ID', h('code', {}, me.id)],
    ['Organization', h('code', {}, me.organization_id)],
    ['Permission level', levelBadge(me.permission_level)],
    ['Roles', me.roles.length ? me.roles.map((r) => badge(r, 'role')) : h('span', { class: 'muted' }, 'none')],
    ['Signed in with', [KIND[me.credential.kind] || me.credential.kind, ' ', lastSix(me.credential.last_six)]],
    ['Credential expires', me.credential.expires_at ? time(me.credential.expires_at) : 'never'],
    ['Scopes', scopesView(me.credential.scopes)],
  ];
  const dl = h('dl', { class: 'details', 'data-testid': 'whoami' }, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
  const parts = [section('Who am I', dl)];

  if (me.principal_type === 'user') {
    const usingCli = me.credential.kind === 'cli_token';
    const rotate = h('button', { type: 'button', class: 'btn secondary' }, 'Rotate my CLI token');
    const revoke = h('button', { type: 'button', class: 'btn danger' }, 'Revoke my CLI tokens');
    const error = errorLine();
    const after = usingCli ? ' This session uses a CLI token, so you will be signed out afterwards.' : '';
    rotate.addEventListener('click', async () => {
      const chosen = await confirmRotation({
        title: 'Rotate your CLI token?',
        message: `One new CLI token is issued; your older ones stop working when the grace period ends (at once for 0). Your access tokens keep working.${after}`,
        confirmLabel: 'Rotate',
      });
      if (!chosen) return;
      const result = await run(rotate, error, () => request('POST', '/users/me/cli-tokens/rotate', { body: chosen }));
      if (!result) return;
      await showSecret({
        title: 'Your new CLI token',
        subject: me.email,
        from: result, field: 'cli_token',
        note: usingCli ? 'Closing this dialog signs you out: sign in again with the new token.' : null,
      });
      if (usingCli) ctx.signOut('Your CLI token was rotated. Sign in with the new token.');
    });
    revoke.addEventListener('click', async () => {
      const ok = await confirmAction({
        title: 'Revoke all your CLI tokens?',
        message: `Every CLI token of yours stops working now; no new one is issued (an OWNER can issue one).${after}`,
        confirmLabel: 'Revoke my CLI tokens',
      });
      if (!ok) return;
      const done = await run(revoke, error, async () => { await request('DELETE', '/users/me/cli-tokens'); return true; });
      if (done && usingCli) ctx.signOut('Your CLI tokens were revoked.');
    });
    parts.push(section('My CLI token',
      h('p', { class: 'muted' }, 'A CLI token never expires. Rotating replaces all of yours with one new token (the old ones may keep working for a grace period); revoking ends them all.'),
      h('div', { class: 'btn-group' }, rotate, revoke), error));
  }
  panel.replaceChildren(...parts);
}
