// End-to-end test of the web console: a real `latchkey serve` on a free port with a temp
// data dir, an owner from `latchkey bootstrap`, and Debian's Chromium driven by
// playwright-core. Prints "N passed, M failed" last; exits non-zero on any failure.
//
// Environment: LATCHKEY_BIN (default $CARGO_TARGET_DIR/debug/latchkey or target/debug/latchkey),
// CHROMIUM (default /usr/bin/chromium), ARTIFACTS (default .test-artifacts/console).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const targetDir = process.env.CARGO_TARGET_DIR ? path.resolve(root, process.env.CARGO_TARGET_DIR) : path.join(root, 'target');
const bin = process.env.LATCHKEY_BIN || path.join(targetDir, 'debug', 'latchkey');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const artifacts = process.env.ARTIFACTS || path.join(root, '.test-artifacts', 'console');

let passed = 0;
let failed = 0;
let currentStep = '';

function ok(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
  passed += 1;
}

function equal(actual, expected, message) {
  if (actual !== expected) throw new Error(`check failed: ${message}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  passed += 1;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The server must use the embedded store in our temp dir, whatever the caller's env says.
const serverEnv = { ...process.env };
delete serverEnv.DYNAMODB_ENDPOINT;
delete serverEnv.LATCHKEY_CLI_TOKEN;
serverEnv.RUST_LOG = serverEnv.RUST_LOG || 'warn';

let server;
let browser;
let dataDir;
let page;

async function main() {
  if (!existsSync(bin)) throw new Error(`${bin} not found: build it with cargo build -p latchkey-cli`);
  if (!existsSync(chromiumPath)) throw new Error(`${chromiumPath} not found: apt-get install -y chromium`);
  mkdirSync(artifacts, { recursive: true });
  rmSync(path.join(artifacts, 'failure.png'), { force: true });
  dataDir = mkdtempSync(path.join(tmpdir(), 'latchkey-console-'));

  const ownerToken = execFileSync(bin, ['bootstrap', '--organization', 'acme', '--owner-email', 'admin@acme.com', '--data-dir', dataDir],
    { env: serverEnv, encoding: 'utf8' }).trim();
  ok(/^lku_/.test(ownerToken), 'bootstrap prints a CLI token');

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  server = spawn(bin, ['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir], { env: serverEnv, stdio: ['ignore', 'ignore', 'pipe'] });
  let serverLog = '';
  server.stderr.on('data', (d) => { serverLog = (serverLog + d).slice(-4000); });
  for (let i = 0; ; i++) {
    try {
      const r = await fetch(`${base}/api/v1/health`);
      if (r.ok) break;
    } catch { /* not up yet */ }
    if (server.exitCode !== null || i > 150) throw new Error(`server did not start:\n${serverLog}`);
    await sleep(100);
  }

  const api = async (method, p, token, body) => {
    const r = await fetch(`${base}/api/v1${p}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : null };
  };
  const meStatus = async (token) => (await api('GET', '/me', token)).status;

  // Headers of the page and of an asset.
  await step('console page and assets carry the security headers', async () => {
    for (const p of ['/console', '/console/app.js', '/console/style.css']) {
      const r = await fetch(base + p);
      equal(r.status, 200, `${p} status`);
      const csp = r.headers.get('content-security-policy') || '';
      ok(csp.includes("default-src 'none'") && csp.includes("script-src 'self'") && csp.includes("frame-ancestors 'none'"), `${p} CSP`);
      equal(r.headers.get('x-content-type-options'), 'nosniff', `${p} nosniff`);
      equal(r.headers.get('referrer-policy'), 'no-referrer', `${p} referrer-policy`);
    }
    equal((await fetch(`${base}/console/app.js`)).headers.get('content-type').split(';')[0], 'text/javascript', 'app.js content type');
    equal((await fetch(`${base}/console/nope.js`)).status, 404, 'unknown asset is 404');
  });

  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport: { width: 1360, height: 860 } });
  page = await context.newPage();
  page.setDefaultTimeout(10000);
  const jsDialogs = [];
  const pageErrors = [];
  const consoleErrors = [];
  page.on('dialog', async (d) => { jsDialogs.push(d.message()); await d.dismiss().catch(() => {}); });
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (m) => {
    // 401s (and the one 403 of a scoped key, the 409 of a policy lockout, the 400 of a bad range) the test provokes on
    // purpose are logged by Chromium as failed resources; CSP violations and script errors are what must never appear.
    if (m.type() === 'error' && !/status of (400|401|403|409)/.test(m.text())) consoleErrors.push(m.text());
  });

  const shot = (name) => page.screenshot({ path: path.join(artifacts, `${name}.png`) });
  const tab = async (id) => {
    await page.click(`#tab-${id}`);
    await page.waitForSelector(`#panel[data-tab="${id}"]`);
  };
  const tableIdle = async (testId) => {
    await page.waitForFunction((t) => {
      const table = document.querySelector(`[data-testid="${t}"]`);
      const status = table && table.closest('.table-wrap').querySelector('.table-status');
      return status && !status.classList.contains('loading');
    }, testId);
  };
  // Reads the one-time secret from the dialog, checks the dialog, closes it, and checks
  // that nothing of the secret is left in the page.
  const takeSecret = async (shotName) => {
    const dialog = page.locator('#secret-dialog');
    await dialog.waitFor({ state: 'visible' });
    const secret = await dialog.locator('[data-testid="secret-value"]').inputValue();
    const exportLine = await dialog.locator('[data-testid="secret-export"]').inputValue();
    equal(exportLine, `export LATCHKEY_CLI_TOKEN=${secret}`, 'dialog shows the export line');
    ok((await dialog.textContent()).includes('will not be shown again'), 'dialog warns the secret is shown once');
    ok(await dialog.getByRole('button', { name: 'Copy' }).first().isVisible(), 'dialog has a copy button');
    if (shotName) await shot(shotName);
    await dialog.locator('[data-testid="secret-done"]').click();
    await dialog.waitFor({ state: 'hidden' });
    await page.waitForFunction(() => document.getElementById('secret-dialog').childElementCount === 0, null, { timeout: 2000 });
    equal(await page.evaluate(() => document.getElementById('secret-dialog').childElementCount), 0, 'dialog emptied after close');
    ok(!(await page.content()).includes(secret), 'secret gone from the DOM after close');
    return secret;
  };
  const confirm = async () => {
    const d = page.locator('#confirm-dialog');
    await d.waitFor({ state: 'visible' });
    await d.locator('[data-testid="confirm-ok"]').click();
    await d.waitFor({ state: 'hidden' });
  };

  await step('sign in with the owner token', async () => {
    await page.goto(`${base}/console`);
    await page.waitForSelector('#sign-in:not([hidden])');
    await shot('sign-in');
    await page.fill('#sign-in-token', 'lku_notarealtoken000');
    await page.click('#sign-in-submit');
    await page.waitForSelector('#sign-in-error:not([hidden])');
    ok((await page.textContent('#sign-in-error')).includes('not accepted'), 'a bad token is refused with a readable message');
    await page.fill('#sign-in-token', ownerToken);
    await page.click('#sign-in-submit');
    await page.waitForSelector('#app:not([hidden])');
    equal(await page.textContent('#whoami-email'), 'admin@acme.com', 'signed in as the owner');
    const tabs = await page.locator('#tabs .tab').allTextContents();
    equal(tabs.join('|'), 'Users|Service accounts|API keys|Access tokens|Audit log|Organization|My credentials', 'owner tabs');
    const storage = await page.evaluate(() => ({
      session: Object.keys(sessionStorage).map((k) => sessionStorage.getItem(k)),
      local: localStorage.length,
      cookie: document.cookie,
      url: location.href,
    }));
    ok(storage.session.includes(ownerToken), 'token kept in sessionStorage');
    equal(storage.local, 0, 'nothing in localStorage');
    equal(storage.cookie, '', 'no cookies');
    ok(!storage.url.includes(ownerToken), 'token not in the URL');
    equal(await page.inputValue('#sign-in-token'), '', 'sign-in field cleared');
  });

  // Some members, so lists have content (and more than one page of users).
  const memberTokens = {};
  for (const [email, name] of [['grace@acme.com', 'Grace Hopper'], ['linus@acme.com', 'Linus T.']]) {
    memberTokens[email] = (await api('POST', '/users', ownerToken, { email, name, roles: ['TokenCreator'] })).body.cli_token;
  }
  for (let i = 0; i < 20; i++) await api('POST', '/users', ownerToken, { email: `member${String(i).padStart(2, '0')}@acme.com`, name: `Member ${i}` });

  let firstKey;
  await step('create a service account; its one-time key works', async () => {
    await tab('service-accounts');
    await tableIdle('service-accounts-table');
    await page.fill('[data-testid="create-service-account-form"] input[name="name"]', 'deployer');
    await page.selectOption('[data-testid="create-service-account-form"] select', 'OWNER');
    await page.click('[data-testid="create-service-account-form"] button[type="submit"]');
    firstKey = await takeSecret('secret-dialog');
    ok(/^lks_/.test(firstKey), 'API key format');
    const me = await api('GET', '/me', firstKey);
    equal(me.status, 200, 'new API key authenticates');
    equal(me.body.principal_type, 'service_account', 'as the service account');
    await page.waitForSelector('tr[data-name="deployer"]');
    // A duplicate name: the API's problem is shown next to the form.
    await page.fill('[data-testid="create-service-account-form"] input[name="name"]', 'deployer');
    await page.click('[data-testid="create-service-account-form"] button[type="submit"]');
    const err = page.locator('[data-testid="create-service-account-form"] + .error');
    await err.waitFor({ state: 'visible' });
    ok((await err.textContent()).length > 8, `conflict shown: ${await err.textContent()}`);
    ok(!(await page.locator('#secret-dialog').isVisible()), 'no dialog on error');
    await page.fill('[data-testid="create-service-account-form"] input[name="name"]', 'nightly-backup');
    await page.click('[data-testid="create-service-account-form"] button[type="submit"]');
    await takeSecret();
    await page.waitForSelector('tr[data-name="nightly-backup"]');
    await shot('service-accounts');
  });

  await step('find the key in API keys by last six and revoke it', async () => {
    const six = firstKey.slice(-6);
    await tab('api-keys');
    await tableIdle('api-keys-table');
    await page.fill('[data-testid="api-keys-filter"] input[name="last_six"]', six);
    await page.click('[data-testid="api-keys-filter"] button[type="submit"]');
    await tableIdle('api-keys-table');
    const rows = page.locator('[data-testid="api-keys-table"] tbody tr');
    equal(await rows.count(), 1, 'one key with that last six');
    equal(await rows.first().getAttribute('data-last-six'), six, 'it is ours');
    await shot('api-keys');
    // Disable, then enable: the status follows, and so does the key's next request.
    await rows.first().getByRole('button', { name: 'Disable' }).click();
    await rows.first().getByRole('button', { name: 'Enable' }).waitFor();
    equal(await rows.first().locator('.badge').textContent(), 'disabled', 'row shows disabled');
    equal(await meStatus(firstKey), 401, 'disabled key is refused');
    await rows.first().getByRole('button', { name: 'Enable' }).click();
    await rows.first().getByRole('button', { name: 'Disable' }).waitFor();
    equal(await rows.first().locator('.badge').textContent(), 'active', 'row shows active again');
    equal(await meStatus(firstKey), 200, 'enabled key works again');
    // A description, edited in place.
    await rows.first().getByRole('button', { name: 'Edit description' }).click();
    await rows.first().locator('.cell-editor input').fill('first key');
    await rows.first().getByRole('button', { name: 'Save' }).click();
    await rows.first().locator('.description').waitFor();
    equal(await rows.first().locator('.description').textContent(), 'first key', 'key description edited');
    await rows.first().getByRole('button', { name: 'Revoke' }).click();
    await confirm();
    await rows.first().locator('.badge.bad').waitFor();
    equal(await rows.first().locator('.badge.bad').textContent(), 'revoked', 'row shows revoked');
    equal(await meStatus(firstKey), 401, 'revoked key is refused');
    // Revoked keys are hidden without "show inactive", shown with it.
    await page.click('[data-testid="api-keys-filter"] button[type="submit"]');
    await tableIdle('api-keys-table');
    equal(await rows.count(), 0, 'inactive key hidden by default');
    await page.check('[data-testid="api-keys-filter"] input[name="show_inactive"]');
    await tableIdle('api-keys-table');
    await page.waitForSelector(`[data-testid="api-keys-table"] tr[data-last-six="${six}"]`);
    ok(true, 'inactive key shown with show inactive');
  });

  await step('create a key for an account, then rotate its keys', async () => {
    await tab('service-accounts');
    await tableIdle('service-accounts-table');
    const row = page.locator('tr[data-name="deployer"]');
    await row.getByRole('button', { name: 'Create API key' }).click();
    await confirm(); // the scopes dialog: left unscoped
    const key2 = await takeSecret();
    equal(await meStatus(key2), 200, 'created key works');
    await row.getByRole('button', { name: 'Rotate keys' }).click();
    await confirm();
    const key3 = await takeSecret();
    equal(await meStatus(key3), 200, 'rotated key works');
    equal(await meStatus(key2), 401, 'older key stops working after rotation');
    await row.getByRole('button', { name: 'View keys' }).click();
    await page.waitForSelector(`[data-testid="account-keys-table"] tr[data-last-six="${key3.slice(-6)}"]`);
    ok(true, 'account keys list shows the new key');
    await shot('service-account-keys');
    await row.getByRole('button', { name: 'Revoke all keys' }).click();
    await confirm();
    await sleep(200);
    equal(await meStatus(key3), 401, 'revoke all keys');
    // Delete the other account, with confirmation.
    const other = page.locator('tr[data-name="nightly-backup"]');
    await other.getByRole('button', { name: 'Delete' }).click();
    await page.locator('#confirm-dialog [data-testid="confirm-cancel"]').click();
    ok(await other.isVisible(), 'cancel keeps the account');
    await page.locator('tr[data-name="nightly-backup"]').getByRole('button', { name: 'Delete' }).click();
    await confirm();
    await page.locator('tr[data-name="nightly-backup"]').waitFor({ state: 'detached' });
    equal((await api('GET', '/service-accounts/nightly-backup', ownerToken)).status, 404, 'account deleted');
  });

  await step('create a scoped key and a scoped token; their scopes are listed; the key is held to them', async () => {
    await tab('service-accounts');
    await tableIdle('service-accounts-table');
    const row = page.locator('tr[data-name="deployer"]');
    await row.getByRole('button', { name: 'Create API key' }).click();
    const d = page.locator('#confirm-dialog');
    await d.waitFor({ state: 'visible' });
    await d.locator('[data-testid="dialog-scopes-limit"]').check();
    await d.locator('input[data-scope="latchkey:read"]').check();
    await d.locator('[data-testid="dialog-scopes-custom"]').fill('Bad Scope');
    await d.locator('[data-testid="confirm-ok"]').click();
    ok((await d.locator('.error').textContent()).includes('Bad'), 'a malformed custom scope is refused in the dialog');
    await d.locator('[data-testid="dialog-scopes-custom"]').fill('orders:read');
    await shot('scopes-dialog');
    await d.locator('[data-testid="confirm-ok"]').click();
    await d.waitFor({ state: 'hidden' });
    const scoped = await takeSecret();
    const me = await api('GET', '/me', scoped);
    equal(JSON.stringify(me.body.credential.scopes), JSON.stringify(['latchkey:read', 'orders:read']), 'the key carries the chosen scopes');
    await row.getByRole('button', { name: 'View keys' }).click();
    const listed = page.locator(`[data-testid="account-keys-table"] tr[data-last-six="${scoped.slice(-6)}"] .scopes`);
    await listed.waitFor();
    equal((await listed.locator('.badge').allTextContents()).join(' '), 'latchkey:read orders:read', 'account keys list shows the scopes');
    await tab('api-keys');
    await tableIdle('api-keys-table');
    const inList = page.locator(`[data-testid="api-keys-table"] tr[data-last-six="${scoped.slice(-6)}"] .scopes`);
    await inList.waitFor();
    ok((await inList.textContent()).includes('orders:read'), 'API keys list shows the scopes');

    // An access token with a custom scope, from the form.
    await tab('tokens');
    await tableIdle('tokens-table');
    const form = page.locator('[data-testid="create-token-form"]');
    await form.locator('[data-testid="token-scopes-limit"]').check();
    await form.locator('[data-testid="token-scopes-custom"]').fill('orders:write');
    await form.locator('input[name="description"]').fill('scoped');
    await form.locator('button[type="submit"]').click();
    const token = await takeSecret();
    equal(JSON.stringify((await api('GET', '/me', token)).body.credential.scopes), JSON.stringify(['orders:write']), 'token scopes');
    const tokenRow = page.locator(`[data-testid="tokens-table"] tr[data-last-six="${token.slice(-6)}"] .scopes`);
    await tokenRow.waitFor();
    equal(await tokenRow.textContent(), 'orders:write', 'tokens list shows the scopes');

    // Use the scoped key in the console: it reads, and a change it has no scope for is refused.
    await page.click('#sign-out');
    await page.waitForSelector('#sign-in:not([hidden])');
    await page.fill('#sign-in-token', scoped);
    await page.click('#sign-in-submit');
    await page.waitForSelector('#app:not([hidden])');
    await tab('service-accounts');
    await tableIdle('service-accounts-table');
    await page.waitForSelector('tr[data-name="deployer"]');
    ok(true, 'the scoped key lists service accounts (latchkey:read)');
    await page.fill('[data-testid="create-service-account-form"] input[name="name"]', 'not-allowed');
    await page.click('[data-testid="create-service-account-form"] button[type="submit"]');
    const err = page.locator('[data-testid="create-service-account-form"] + .error');
    await err.waitFor({ state: 'visible' });
    ok((await err.textContent()).includes('latchkey:service-accounts'), `refusal names the missing scope: ${await err.textContent()}`);
    equal((await api('GET', '/service-accounts/not-allowed', ownerToken)).status, 404, 'nothing was created');
    await tab('me');
    ok((await page.textContent('[data-testid="whoami"]')).includes('orders:read'), 'my credentials shows the scopes');
    await page.click('#sign-out');
    await page.waitForSelector('#sign-in:not([hidden])');
    await page.fill('#sign-in-token', ownerToken);
    await page.click('#sign-in-submit');
    await page.waitForSelector('#app:not([hidden])');
  });

  await step('roll a key and rotate with a grace period; suspend and unsuspend a service account and a user', async () => {
    const keyA = (await api('POST', '/service-accounts/deployer/api-keys', ownerToken, { description: 'rolled' })).body.api_key;
    const sibling = (await api('POST', '/service-accounts/deployer/api-keys', ownerToken)).body.api_key;
    await tab('api-keys');
    await tableIdle('api-keys-table');
    const filter = page.locator('[data-testid="api-keys-filter"]');
    await filter.locator('input[name="last_six"]').fill(keyA.slice(-6));
    await filter.locator('button[type="submit"]').click();
    await tableIdle('api-keys-table');
    const rowA = page.locator(`[data-testid="api-keys-table"] tr[data-last-six="${keyA.slice(-6)}"]`);
    await rowA.getByRole('button', { name: 'Roll' }).click();
    const d = page.locator('#confirm-dialog');
    await d.waitFor({ state: 'visible' });
    equal(await d.locator('[data-testid="grace-period"]').inputValue(), '0', 'the grace period defaults to 0');
    await d.locator('[data-testid="grace-period"]').fill('90000');
    await d.locator('[data-testid="confirm-ok"]').click();
    ok((await d.locator('.error').textContent()).includes('86400'), 'a grace over a day is refused in the dialog');
    await d.locator('[data-testid="grace-period"]').fill('600');
    await shot('roll-dialog');
    await d.locator('[data-testid="confirm-ok"]').click();
    await d.waitFor({ state: 'hidden' });
    const keyB = await takeSecret();
    equal(await meStatus(keyA), 200, 'the rolled key keeps working through its grace');
    equal(await meStatus(keyB), 200, 'its successor works');
    equal((await api('GET', '/me', keyB)).body.credential.last_six, keyB.slice(-6), 'the successor is a key of its own');
    await tableIdle('api-keys-table');
    const expires = await rowA.locator('td time').nth(1).getAttribute('datetime');
    ok(expires && new Date(expires) > new Date(), `the rolled key shows when its grace ends (${expires})`);
    const listed = await api('GET', `/api-keys?last_six=${keyB.slice(-6)}`, ownerToken);
    equal(listed.body.items[0].description, 'rolled', 'the successor keeps the description');
    // Roll the successor with no grace: it stops at once; the sibling is untouched.
    await filter.locator('input[name="last_six"]').fill(keyB.slice(-6));
    await filter.locator('button[type="submit"]').click();
    await tableIdle('api-keys-table');
    await page.locator(`[data-testid="api-keys-table"] tr[data-last-six="${keyB.slice(-6)}"]`).getByRole('button', { name: 'Roll' }).click();
    await confirm();
    const keyC = await takeSecret();
    equal(await meStatus(keyB), 401, 'a key rolled without grace stops at once');
    equal(await meStatus(keyC), 200, 'the new successor works');
    equal(await meStatus(sibling), 200, 'a sibling key is untouched by a roll');

    // Rotate all keys of the account with a grace: the older ones keep working.
    await tab('service-accounts');
    await tableIdle('service-accounts-table');
    const account = page.locator('tr[data-name="deployer"]');
    await account.getByRole('button', { name: 'Rotate keys' }).click();
    await d.waitFor({ state: 'visible' });
    await d.locator('[data-testid="grace-period"]').fill('300');
    await d.locator('[data-testid="confirm-ok"]').click();
    await d.waitFor({ state: 'hidden' });
    const keyD = await takeSecret();
    equal(await meStatus(sibling), 200, 'an older key works through the rotation grace');
    equal(await meStatus(keyD), 200, 'the rotated key works');

    // Suspend the account: its keys are refused until it is unsuspended.
    equal(await account.locator('td.status-cell .badge').textContent(), 'active', 'the account shows active');
    await account.getByRole('button', { name: 'Suspend' }).click();
    await confirm();
    await account.getByRole('button', { name: 'Unsuspend' }).waitFor();
    equal(await account.locator('td.status-cell .badge').textContent(), 'suspended', 'the account shows suspended');
    equal(await meStatus(keyD), 401, 'a suspended account\'s key is refused');
    await account.getByRole('button', { name: 'Unsuspend' }).click();
    await account.getByRole('button', { name: 'Suspend' }).waitFor();
    equal(await meStatus(keyD), 200, 'unsuspended: the key works again');

    // Suspend a user the same way.
    await tab('users');
    await tableIdle('users-table');
    const linus = page.locator('tr[data-email="linus@acme.com"]');
    await linus.getByRole('button', { name: 'Suspend' }).click();
    await confirm();
    await linus.getByRole('button', { name: 'Unsuspend' }).waitFor();
    equal(await linus.locator('td.status-cell .badge').textContent(), 'suspended', 'the user shows suspended');
    equal(await meStatus(memberTokens['linus@acme.com']), 401, 'a suspended user\'s CLI token is refused');
    await shot('users-suspended');
    await linus.getByRole('button', { name: 'Unsuspend' }).click();
    await linus.getByRole('button', { name: 'Suspend' }).waitFor();
    equal(await meStatus(memberTokens['linus@acme.com']), 200, 'unsuspended: the user\'s token works again');
    equal(await page.locator('tr[data-email="admin@acme.com"] [data-testid="toggle-suspended"]').count(), 0, 'no Suspend on one\'s own row');
  });

  const xss = '<img src=x onerror=alert(1)>';
  await step('create an access token (XSS description shown as text), edit it, revoke it', async () => {
    await tab('tokens');
    await tableIdle('tokens-table');
    const form = page.locator('[data-testid="create-token-form"]');
    await form.locator('input[name="lifespan_days"]').fill('7');
    await form.locator('input[name="description"]').fill(xss);
    await form.locator('button[type="submit"]').click();
    const token = await takeSecret();
    ok(/^lka_/.test(token), 'access token format');
    const me = await api('GET', '/me', token);
    equal(me.status, 200, 'access token works');
    ok(me.body.credential.expires_at, 'it expires');
    const row = page.locator(`[data-testid="tokens-table"] tr[data-last-six="${token.slice(-6)}"]`);
    await row.waitFor();
    equal(await row.locator('.description').textContent(), xss, 'description displayed literally');
    equal(await page.locator('#panel img').count(), 0, 'no img element created');
    // One for Grace too (OWNER may create for a user by email).
    await form.locator('input[name="user"]').fill('grace@acme.com');
    await form.locator('input[name="description"]').fill('notebook on staging');
    await form.locator('button[type="submit"]').click();
    const graceToken = await takeSecret();
    equal((await api('GET', '/me', graceToken)).body.email, 'grace@acme.com', 'token for another user');
    await shot('access-tokens');
    await row.getByRole('button', { name: 'Edit description' }).click();
    await row.locator('.cell-editor input').fill('deploy bot (edited)');
    await row.getByRole('button', { name: 'Save' }).click();
    await row.locator('.description').waitFor();
    equal(await row.locator('.description').textContent(), 'deploy bot (edited)', 'description edited');
    await row.getByRole('button', { name: 'Disable' }).click();
    await row.getByRole('button', { name: 'Enable' }).waitFor();
    equal(await row.locator('.badge').textContent(), 'disabled', 'token row shows disabled');
    equal(await meStatus(token), 401, 'disabled access token is refused');
    await row.getByRole('button', { name: 'Enable' }).click();
    await row.getByRole('button', { name: 'Disable' }).waitFor();
    equal(await meStatus(token), 200, 'enabled access token works again');
    await row.getByRole('button', { name: 'Revoke' }).click();
    await confirm();
    await row.locator('.badge.bad').waitFor();
    equal(await meStatus(token), 401, 'revoked access token is refused');
    // Expired/revoked ones only with "show inactive".
    await page.locator('#panel').getByLabel('Show inactive').check();
    await tableIdle('tokens-table');
    ok(await row.isVisible() || await page.locator(`tr[data-last-six="${token.slice(-6)}"]`).isVisible(), 'revoked token listed with show inactive');
  });

  let collabToken;
  const markupName = '<b>Bob</b> <script>alert(2)</script>';
  await step('add users (token shown once), follow Load more, change role, rotate, remove', async () => {
    await tab('users');
    await tableIdle('users-table');
    ok(await page.getByRole('button', { name: 'Load more' }).isVisible(), 'more than one page: Load more offered');
    const before = await page.locator('[data-testid="users-table"] tbody tr').count();
    equal(before, 20, 'first page has 20 users');
    await page.getByRole('button', { name: 'Load more' }).click();
    await tableIdle('users-table');
    ok(await page.locator('[data-testid="users-table"] tbody tr').count() > 20, 'Load more appends the next page');
    const form = page.locator('[data-testid="add-user-form"]');
    await form.locator('input[name="email"]').fill('bob@acme.com');
    await form.locator('input[name="name"]').fill(markupName);
    await form.locator('button[type="submit"]').click();
    collabToken = await takeSecret();
    ok(/^lku_/.test(collabToken), 'new user CLI token');
    equal((await api('GET', '/me', collabToken)).body.permission_level, 'COLLABORATOR', 'new user is a collaborator');
    await form.locator('input[name="email"]').fill('temp@acme.com');
    await form.locator('button[type="submit"]').click();
    const tempToken = await takeSecret();
    const bob = page.locator('tr[data-email="bob@acme.com"]');
    await bob.waitFor();
    equal(await bob.locator('td.name').textContent(), markupName, 'name with markup displayed literally');
    equal(await page.locator('#panel b, #panel script, #panel img').count(), 0, 'no element created from a name');
    // Give Bob the TokenCreator role.
    await bob.getByRole('button', { name: 'Edit' }).click();
    await bob.getByLabel('TokenCreator').check();
    await bob.getByRole('button', { name: 'Save' }).click();
    await bob.locator('.badge.role').waitFor();
    equal(await bob.locator('.badge.role').textContent(), 'TokenCreator', 'role granted');
    // Rotate Bob's CLI token.
    await bob.getByRole('button', { name: 'Rotate CLI token' }).click();
    await confirm();
    const rotated = await takeSecret();
    equal(await meStatus(collabToken), 401, 'old CLI token stops working after rotation');
    equal(await meStatus(rotated), 200, 'rotated CLI token works');
    collabToken = rotated;
    // Remove temp.
    await page.locator('tr[data-email="temp@acme.com"]').getByRole('button', { name: 'Remove' }).click();
    await confirm();
    await page.locator('tr[data-email="temp@acme.com"]').waitFor({ state: 'detached' });
    equal(await meStatus(tempToken), 401, 'removed user token refused');
    await page.evaluate(() => window.scrollTo(0, 0));
    await tab('users');
    await tableIdle('users-table');
    await shot('users');
  });

  await step('the audit log shows who did what, newest first, with labels; filter by action; Load more', async () => {
    await tab('audit');
    await tableIdle('audit-table');
    const rows = page.locator('[data-testid="audit-table"] tbody tr[data-action]');
    equal(await rows.count(), 20, 'first page has 20 events');
    // The users step ended by removing temp@acme.com: the newest event.
    const newest = rows.first();
    equal(await newest.getAttribute('data-action'), 'user.removed', 'newest first');
    ok((await newest.locator('td.audit-actor').textContent()).includes('admin@acme.com'), 'actor shown by email');
    ok((await newest.locator('td.audit-target').textContent()).includes('temp@acme.com'), 'target shown by label');
    equal(await newest.locator('td.mono').textContent(), '127.0.0.1', 'source IP');
    const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
    ok(!uuid.test(await page.locator('[data-testid="audit-table"] tbody').textContent()), 'no bare UUID where a label exists');
    // Revoked keys show as …last_six.
    const revoked = page.locator('[data-testid="audit-table"] tr[data-action="credential.revoked"]');
    if (await revoked.count()) ok(/…[0-9A-Za-z]{6}/.test(await revoked.first().locator('td.audit-target').textContent()), 'key as …last_six');
    // Details open below the row: no secret in them.
    await newest.getByRole('button', { name: 'Details' }).click();
    const details = page.locator('.audit-details-row');
    await details.waitFor();
    ok((await details.textContent()).includes('temp@acme.com'), 'details shown');
    ok(!(await page.locator('#panel').textContent()).includes(ownerToken), 'no token in the audit log');
    // Load more appends the next page.
    await page.getByRole('button', { name: 'Load more' }).click();
    await tableIdle('audit-table');
    ok(await rows.count() > 21, 'Load more appends older events');
    // Filter by action: the organization's creation, by the operator.
    const filter = page.locator('[data-testid="audit-filter"]');
    await filter.locator('select[name="action"]').selectOption('organization.created');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="audit-table"] tbody tr[data-action]').length === 1);
    await tableIdle('audit-table');
    const created = rows.first();
    equal(await created.getAttribute('data-action'), 'organization.created', 'filtered by action');
    equal((await created.locator('td.audit-actor').textContent()).trim(), 'operator', 'bootstrap by the operator');
    ok((await created.locator('td.audit-target').textContent()).includes('acme'), 'the organization by its name');
    ok(await page.getByRole('button', { name: 'Load more' }).isHidden(), 'one page');
    await shot('audit');
    // A time window in the future holds nothing; Clear shows everything again.
    await filter.locator('input[name="since"]').fill('2999-01-01T00:00');
    await filter.locator('button[type="submit"]').click();
    await page.waitForSelector('#panel .table-status.empty');
    await filter.getByRole('button', { name: 'Clear' }).click();
    await tableIdle('audit-table');
    equal(await rows.count(), 20, 'Clear shows the first page again');
    ok(!page.url().includes(ownerToken) && !page.url().includes('lku_'), 'no token in the URL');
  });

  await step('my credentials shows whoami', async () => {
    await tab('me');
    const text = await page.locator('[data-testid="whoami"]').textContent();
    ok(text.includes('admin@acme.com') && text.includes('OWNER') && text.includes(ownerToken.slice(-6)), 'whoami details');
    ok(await page.getByRole('button', { name: 'Rotate my CLI token' }).isVisible(), 'rotate offered');
    await shot('my-credentials');
  });

  await step('the organization tab shows the policy, edits it, and explains a lockout', async () => {
    await tab('organization');
    const policy = page.locator('[data-testid="policy"]');
    await policy.waitFor();
    ok((await page.locator('[data-testid="organization"]').textContent()).includes('acme'), 'the organization by name');
    equal(await page.textContent('[data-testid="policy-ranges"]'), 'any address', 'no ranges: any address');
    ok((await page.textContent('[data-testid="policy-api-key-max-days"]')).includes('no limit'), 'no API-key limit');
    const form = page.locator('[data-testid="policy-form"]');
    await form.locator('input[name="access_token_max_days"]').fill('30');
    await form.locator('input[name="api_key_max_days"]').fill('90');
    await form.locator('textarea[name="allowed_ip_ranges"]').fill('127.0.0.1\n\n  10.0.0.0/8 \n::1');
    await form.locator('button[type="submit"]').click();
    await page.locator('[data-testid="policy-notice"]').waitFor();
    equal(await page.textContent('[data-testid="policy-access-token-max-days"]'), '30 days', 'the new token limit shown');
    equal(await page.textContent('[data-testid="policy-api-key-max-days"]'), '90 days', 'the new key limit shown');
    const stored = (await api('GET', '/organization', ownerToken)).body.policy;
    equal(JSON.stringify([stored.access_token_max_days, stored.api_key_max_days]), '[30,90]', 'the limits are stored');
    equal(JSON.stringify([...stored.allowed_ip_ranges].sort()), JSON.stringify(['10.0.0.0/8', '127.0.0.1/32', '::1/128']), 'the ranges, one per line, canonical');
    ok((await page.textContent('[data-testid="policy-ranges"]')).includes('127.0.0.1/32'), 'the ranges shown');
    await shot('organization');
    // Ranges without this browser's address (127.0.0.1): a 409, told plainly; nothing changes.
    await form.locator('textarea[name="allowed_ip_ranges"]').fill('203.0.113.0/24\n2001:db8::/32');
    await form.locator('button[type="submit"]').click();
    const error = page.locator('[data-testid="policy-error"]');
    await error.waitFor({ state: 'visible' });
    ok((await error.textContent()).includes('would shut you out'), `the lockout is explained: ${await error.textContent()}`);
    await shot('organization-lockout');
    equal(JSON.stringify((await api('GET', '/organization', ownerToken)).body.policy), JSON.stringify(stored), 'a refused change changes nothing');
    // A malformed range: the API's 400 is shown.
    await form.locator('textarea[name="allowed_ip_ranges"]').fill('not-a-range');
    await form.locator('button[type="submit"]').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="policy-error"]').textContent.includes('allowed_ip_ranges'));
    ok(!(await error.textContent()).includes('shut you out'), `a bad range is refused as such: ${await error.textContent()}`);
    // Clear the key limit and the ranges again.
    await form.locator('input[name="api_key_max_days"]').fill('');
    await form.locator('textarea[name="allowed_ip_ranges"]').fill('');
    await form.locator('button[type="submit"]').click();
    await page.locator('[data-testid="policy-notice"]').waitFor();
    equal(await page.textContent('[data-testid="policy-ranges"]'), 'any address', 'ranges cleared');
    const cleared = (await api('GET', '/organization', ownerToken)).body.policy;
    equal(JSON.stringify([cleared.access_token_max_days, cleared.api_key_max_days, cleared.allowed_ip_ranges]), '[30,null,[]]', 'limit and ranges cleared');
  });

  await step('sign out clears the session', async () => {
    await page.click('#sign-out');
    await page.waitForSelector('#sign-in:not([hidden])');
    equal(await page.evaluate(() => sessionStorage.length), 0, 'sessionStorage empty after sign-out');
    await page.reload();
    await page.waitForSelector('#sign-in:not([hidden])');
    ok(await page.locator('#app').isHidden(), 'reload stays signed out');
  });

  await step('a collaborator is offered no owner actions', async () => {
    await page.fill('#sign-in-token', collabToken);
    await page.click('#sign-in-submit');
    await page.waitForSelector('#app:not([hidden])');
    equal(await page.textContent('#whoami-email'), 'bob@acme.com', 'signed in as Bob');
    const tabs = await page.locator('#tabs .tab').allTextContents();
    equal(tabs.join('|'), 'Users|Access tokens|Organization|My credentials', 'collaborator tabs');
    await tab('organization');
    await page.locator('[data-testid="policy"]').waitFor();
    equal(await page.locator('[data-testid="policy-form"]').count(), 0, 'a collaborator reads the policy, no form');
    await tab('users');
    await tableIdle('users-table');
    equal(await page.locator('[data-testid="add-user-form"]').count(), 0, 'no add-user form');
    for (const name of ['Edit', 'Remove', 'Rotate CLI token', 'Suspend']) {
      equal(await page.getByRole('button', { name, exact: true }).count(), 0, `no ${name} button`);
    }
    equal(await page.locator('th.actions').count(), 0, 'no actions column');
    await shot('collaborator-users');
    await tab('tokens');
    await tableIdle('tokens-table');
    equal(await page.locator('[data-testid="create-token-form"] input[name="user"]').count(), 0, 'no "for user" field');
    const form = page.locator('[data-testid="create-token-form"]');
    await form.locator('input[name="description"]').fill(xss);
    await form.locator('button[type="submit"]').click();
    const token = await takeSecret();
    equal((await api('GET', '/me', token)).body.email, 'bob@acme.com', 'collaborator with TokenCreator creates its own token');
    const row = page.locator(`tr[data-last-six="${token.slice(-6)}"]`);
    await row.waitFor();
    equal(await row.locator('.description').textContent(), xss, 'XSS description literal for the collaborator');
    equal(await page.locator('#panel img').count(), 0, 'no img element');
    equal(await page.locator('[data-testid="tokens-table"] tbody tr').count(), 1, 'collaborator sees only own tokens');
    await shot('collaborator-access-tokens');
    await tab('me');
    await shot('collaborator-my-credentials');
    for (const id of ['service-accounts', 'api-keys']) {
      equal(await page.locator(`#tab-${id}`).count(), 0, `no ${id} tab`);
    }
    // A hash pointing at an owner tab falls back to an allowed one.
    await page.goto(`${base}/console#service-accounts`);
    await sleep(200);
    equal(await page.getAttribute('#panel', 'data-tab'), 'me', 'owner tab not reachable by a hash change');
    await page.evaluate(() => history.replaceState(null, '', '#api-keys'));
    await page.reload();
    await page.waitForSelector('#app:not([hidden])');
    equal(await page.getAttribute('#panel', 'data-tab'), 'users', 'owner tab not reachable by URL on load');
  });

  await step('revoking my own CLI tokens signs me out', async () => {
    await tab('me');
    await page.getByRole('button', { name: 'Revoke my CLI tokens' }).click();
    await confirm();
    await page.waitForSelector('#sign-in:not([hidden])');
    ok((await page.textContent('#sign-in-notice')).includes('revoked'), 'notice explains the sign-out');
    equal(await meStatus(collabToken), 401, 'own CLI tokens revoked');
    equal(await page.evaluate(() => sessionStorage.length), 0, 'session cleared');
  });

  await step('under a stage prefix (API Gateway: /prod/console) the page finds its assets and the API', async () => {
    // API Gateway's default endpoint puts the stage in every path; the local server has
    // none. Requests under /prod are answered by the local server without the prefix.
    const seen = [];
    const staged = await context.newPage();
    await staged.route(`${base}/prod/**`, async (route) => {
      const url = new URL(route.request().url());
      seen.push(url.pathname);
      url.pathname = url.pathname.replace(/^\/prod/, '');
      const response = await route.fetch({ url: url.toString() });
      await route.fulfill({ response });
    });
    await staged.goto(`${base}/prod/console`);
    await staged.waitForSelector('#sign-in:not([hidden])');
    await staged.fill('#sign-in-token', ownerToken);
    await staged.click('#sign-in-submit');
    await staged.waitForSelector('#app:not([hidden])');
    equal(await staged.textContent('#whoami-email'), 'admin@acme.com', 'signed in under /prod');
    ok(seen.includes('/prod/console/app.js'), 'app.js loaded from under the stage');
    ok(seen.includes('/prod/api/v1/me'), 'the API called under the stage');
    await staged.close();
  });

  await step('no script dialogs, page errors or CSP violations', async () => {
    equal(jsDialogs.length, 0, `no alert/confirm dialogs (${jsDialogs.join(', ')})`);
    equal(pageErrors.length, 0, `no page errors (${pageErrors.join(' | ')})`);
    equal(consoleErrors.length, 0, `no console errors (${consoleErrors.join(' | ')})`);
  });
}

async function step(name, fn) {
  currentStep = name;
  const started = Date.now();
  await fn();
  console.log(`ok - ${name} (${Date.now() - started} ms)`);
}

async function cleanup() {
  if (browser) await browser.close().catch(() => {});
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await new Promise((r) => { server.once('exit', r); setTimeout(r, 3000); });
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}

const watchdog = setTimeout(() => {
  console.error('console test: timed out after 300 s');
  process.exit(1);
}, 300000);

try {
  await main();
} catch (err) {
  failed += 1;
  console.error(`not ok - ${currentStep || 'setup'}\n  ${err && err.stack ? err.stack : err}`);
  if (page) await page.screenshot({ path: path.join(artifacts, 'failure.png') }).catch(() => {});
} finally {
  await cleanup();
  clearTimeout(watchdog);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
