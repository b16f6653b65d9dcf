// The demo site as `npm run build:demo` writes it (site/), served by a plain static server like
// any static host, completes a login against the real local provider in Chromium, under the
// page's strict CSP: the bundle loads with its integrity= hash, the event log shows token and
// login, the decoded ID token is shown, and the copy-paste snippet carries the current settings
// and the bundle's SRI hash.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startProvider, DEFAULT_CLIENT_ID } from '../../scripts/provider.mjs';
import { launchBrowser, poll, signInAtProvider, LOGIN_BUTTON, USER_NAME } from '../e2e/harness.mjs';
import { startPlainServer } from '../e2e/plain-server.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SITE = path.join(root, 'site');

let browser;
let site;
let op;

before(async () => {
  assert.ok(existsSync(path.join(SITE, 'demo', 'index.html')), 'site/ is built (npm run build:demo)');
  browser = await launchBrowser();
  site = await startPlainServer({ root: SITE });
  const redirectUris = [`${site.origin}/demo/`];
  op = await startProvider({ redirectUris, postLogoutRedirectUris: redirectUris });
});

after(async () => {
  await Promise.all([browser?.close(), site?.close(), op?.close()]);
});

const clean = (value) => (value ?? '').replace(/\s+/g, ' ').trim();

test('the built demo site signs in against the local provider under its strict CSP', { timeout: 60_000 }, async (t) => {
  const context = await browser.newContext();
  t.after(() => context.close());
  await context.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (event) => {
      window.__violations.push(`${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (/Content Security Policy|integrity/i.test(message.text())) problems.push(`console: ${message.text()}`);
  });

  // The bundle's script tag carries the hash of the bundle the site serves.
  const html = await readFile(path.join(SITE, 'demo', 'index.html'), 'utf8');
  const bundleHash = `sha384-${createHash('sha384').update(await readFile(path.join(SITE, 'dist', 'pkce-login.js'))).digest('base64')}`;
  assert.ok(html.includes(`src="../dist/pkce-login.js" integrity="${bundleHash}" crossorigin="anonymous"`));
  assert.match(html, /http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'self'/);

  // The root of the site leads to the demo.
  await page.goto(`${site.origin}/`);
  await page.waitForURL(`${site.origin}/demo/`);

  const query = new URLSearchParams({ issuer: op.issuer, client_id: DEFAULT_CLIENT_ID });
  await page.goto(`${site.origin}/demo/?${query}`);
  await page.locator(LOGIN_BUTTON).waitFor({ state: 'visible', timeout: 15_000 });
  await poll(async () => clean(await page.locator('#status-value').textContent()) === 'signed-out');

  // The snippet for the current settings, with the pinned CDN URL and the SRI hash.
  await poll(async () => (await page.locator('#snippet').textContent())?.includes('integrity='));
  const snippet = await page.locator('#snippet').textContent();
  const { version } = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
  assert.ok(snippet.includes(`src="https://cdn.jsdelivr.net/npm/pkce-login@${version}/dist/pkce-login.js"`), snippet);
  assert.ok(snippet.includes(`integrity="${bundleHash}"`), snippet);
  assert.ok(snippet.includes(`<pkce-login issuer="${op.issuer}" client-id="${DEFAULT_CLIENT_ID}"></pkce-login>`), snippet);

  // Links to the framework examples, with the same provider.
  for (const name of ['react', 'vue', 'angular']) {
    const href = new URL(await page.locator(`#example-${name}`).getAttribute('href'));
    assert.equal(href.pathname, `/examples/${name}/`);
    assert.equal(href.searchParams.get('issuer'), op.issuer);
    assert.equal(href.searchParams.get('client_id'), DEFAULT_CLIENT_ID);
    const response = await context.request.get(href.href);
    assert.equal(response.status(), 200, `${name} example is on the site`);
  }

  await page.click(LOGIN_BUTTON);
  await signInAtProvider(page, 'dora');
  await poll(async () => clean(await page.locator('#status-value').textContent()) === 'signed-in', {
    describe: async () => `status=${clean(await page.locator('#status-value').textContent())} log=${clean(await page.locator('#log').textContent()).slice(0, 400)}`,
  });
  assert.equal(clean(await page.locator(USER_NAME).textContent()), 'dora');

  // The event log, newest first.
  const badges = await page.locator('#log .badge').allTextContents();
  assert.ok(badges.includes('token') && badges.includes('login'), `log: ${badges}`);
  assert.ok(badges.indexOf('login') < badges.indexOf('token'), 'login logged after token');
  assert.equal(badges.includes('error'), false, `no error: ${badges}`);

  // The decoded ID token; the local provider's access token is opaque.
  await poll(() => page.locator('#tokens').isVisible());
  const idToken = clean(await page.locator('#id-token-parts').textContent());
  assert.match(idToken, /"sub": "dora"/);
  assert.ok(idToken.includes(`"iss": "${op.issuer}"`), idToken);
  assert.ok(idToken.includes(`"aud": "${DEFAULT_CLIENT_ID}"`), idToken);
  assert.match(clean(await page.locator('#id-token-meta').textContent()), /^JWT signed with \w+/);
  assert.match(clean(await page.locator('#access-token-meta').textContent()), /^Opaque \(not a JWT\), \d+ characters/);

  // The settings are back in the address bar after the callback; the claims table is filled.
  const url = new URL(page.url());
  assert.equal(url.searchParams.get('issuer'), op.issuer);
  assert.equal(url.searchParams.has('code'), false);
  const claims = await page.locator('#claims-body tr').evaluateAll((rows) => Object.fromEntries(
    rows.map((row) => [row.querySelector('th')?.textContent, row.querySelector('td')?.textContent]),
  ));
  assert.equal(claims.sub, 'dora');
  assert.equal(claims.email, 'dora@example.test', 'userinfo claims too');

  assert.deepEqual(await page.evaluate(() => window.__violations), [], 'no CSP violation');
  assert.deepEqual(problems, []);
});
