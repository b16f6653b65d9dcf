// Sessions that last (issue 4): a reload keeps the session with no trip to the provider, the
// access token is renewed before it expires with no user action, and session="memory" forgets
// the session on reload. Real oidc-provider (access tokens living ACCESS_TOKEN_TTL seconds; DPoP
// advertised, as oidc-provider does by default), real login form, real Chromium.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  launchBrowser, startStack, loginThroughProvider, recordRequests, recordTokenRequests,
  captureTokens, readTokens, readEvents, describePage, poll, waitForRecordedEvent, waitForStatus,
  LOGIN_BUTTON, USER_NAME,
} from './harness.mjs';

const ACCESS_TOKEN_TTL = 8;

let browser;
let stack;

before(async () => {
  [browser, stack] = await Promise.all([
    launchBrowser(),
    startStack({ accessTokenTtl: ACCESS_TOKEN_TTL, configOverrides: { features: { dPoP: { enabled: true } } } }),
  ]);
});

after(async () => {
  await Promise.all([browser?.close(), stack?.close()]);
});

/** A fresh browser context (its own IndexedDB) whose pages keep their token events. */
async function freshContext(t) {
  const context = await browser.newContext();
  t.after(() => context.close());
  await captureTokens(context);
  return { context, page: await context.newPage() };
}

/** Every request the context sends to the provider. */
function recordProviderRequests(context) {
  const origin = new URL(stack.issuer).origin;
  return recordRequests(context, (url) => url.origin === origin);
}

/** Names of the IndexedDB databases of the page's origin, with every value of every store. */
function dumpIndexedDb(page) {
  return page.evaluate(async () => {
    const open = (name) => new Promise((resolve, reject) => {
      const request = indexedDB.open(name);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const all = (db, store) => new Promise((resolve, reject) => {
      const request = db.transaction(store, 'readonly').objectStore(store).getAll();
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const keys = (db, store) => new Promise((resolve, reject) => {
      const request = db.transaction(store, 'readonly').objectStore(store).getAllKeys();
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    // Values may hold CryptoKeys: describe them instead of serialising them.
    const plain = (value) => JSON.parse(JSON.stringify(value, (k, v) => (
      typeof CryptoKey !== 'undefined' && v instanceof CryptoKey ? `[CryptoKey ${v.type}]` : v)));
    const out = {};
    for (const { name } of await indexedDB.databases()) {
      const db = await open(name);
      out[name] = {};
      for (const store of db.objectStoreNames) {
        out[name][store] = { keys: await keys(db, store), values: plain(await all(db, store)) };
      }
      db.close();
    }
    return out;
  });
}

test('a reload keeps the session with no trip to the provider', { timeout: 30_000 }, async (t) => {
  const { context, page } = await freshContext(t);
  await loginThroughProvider(page, stack, 'rita');
  await waitForRecordedEvent(page, 'login');
  const [original] = await readTokens(page);
  assert.ok(original, 'a token event after the login');
  const eventsBefore = (await readEvents(page)).length;

  const provider = recordProviderRequests(context);
  t.after(() => provider.stop());
  await page.reload();
  const restored = await waitForRecordedEvent(page, 'login', {
    predicate: (e) => e.detail.restored === true,
  });
  await waitForStatus(page, 'signed-in');
  // Anything the element was going to do on load is done by now.
  await page.waitForTimeout(300);
  provider.stop();
  const summary = await describePage(page);

  assert.ok(Date.now() < original.expiresAt, 'the access token was still valid during the reload');
  assert.equal(new URL(page.url()).origin, stack.appOrigin, 'the page stayed at the app');
  assert.deepEqual(
    provider.requests.filter((r) => r.navigation),
    [],
    'no navigation to the provider (no authorization request)',
  );
  assert.deepEqual(
    provider.requests.filter((r) => r.url.startsWith(stack.tokenEndpoint)),
    [],
    'no token request (no code exchange, no refresh: the stored token is valid)',
  );
  t.diagnostic(`requests to the provider during the reload: ${JSON.stringify(provider.requests.map((r) => r.url))}`);

  const later = (await readEvents(page)).slice(eventsBefore);
  const types = later.map((e) => e.type);
  assert.deepEqual(types, ['token', 'login'], `after the reload: token, then login; ${summary}`);
  assert.equal(restored.detail.user.sub, 'rita');
  const tokens = await readTokens(page);
  assert.equal(tokens.length, 1, 'one token event on the reloaded page');
  assert.equal(tokens[0].accessToken, original.accessToken, 'the stored access token is used');
  assert.equal(tokens[0].expiresAt, original.expiresAt);
  assert.equal((await page.locator(USER_NAME).textContent()).trim(), 'rita');
  assert.equal(
    await page.evaluate(() => window.__element.getAccessToken()),
    original.accessToken,
    'getAccessToken() resolves to the restored token',
  );
  assert.deepEqual(await page.evaluate(() => window.__pageErrors), []);
});

test('the access token is refreshed before it expires, with no user action, and a new token event', { timeout: 30_000 }, async (t) => {
  const { context, page } = await freshContext(t);
  const tokenRequests = recordTokenRequests(context, stack.tokenEndpoint);
  t.after(() => tokenRequests.stop());
  await loginThroughProvider(page, stack, 'sam');
  await waitForRecordedEvent(page, 'login');
  const [first] = await readTokens(page);
  assert.ok(first, 'a token event after the login');
  const lifetime = first.expiresAt - first.at;
  assert.ok(lifetime > 0 && lifetime <= ACCESS_TOKEN_TTL * 1000, `the access token lives ${lifetime} ms`);

  // Nothing is done on the page: the element renews on its own.
  const second = await poll(async () => (await readTokens(page))[1], {
    timeout: ACCESS_TOKEN_TTL * 1000 + 5_000,
    describe: () => describePage(page),
  });
  const refreshes = tokenRequests.requests.filter((r) => r.grantType === 'refresh_token');
  assert.equal(refreshes.length, 1, `one refresh_token grant request: ${JSON.stringify(tokenRequests.requests)}`);
  const margin = first.expiresAt - refreshes[0].at;
  t.diagnostic(`token lifetime ${lifetime} ms; refresh sent ${margin} ms before expiry; new token event ${first.expiresAt - second.at} ms before expiry`);
  assert.ok(margin > 500, `the refresh was sent before the old token's expiresAt (${margin} ms before)`);
  assert.ok(second.at < first.expiresAt, 'the new token event came before the old token expired');
  assert.notEqual(second.accessToken, first.accessToken, 'a new access token');
  assert.ok(second.expiresAt > first.expiresAt, 'expiring later');
  assert.equal(second.tokenType, first.tokenType);

  const events = await readEvents(page);
  assert.deepEqual(events.map((e) => e.type), ['token', 'login', 'token'], 'one more token event, no second login, no error');
  assert.equal(await page.evaluate(() => window.__element.status), 'signed-in');
  assert.equal(
    await page.evaluate(() => window.__element.getAccessToken()),
    second.accessToken,
    'getAccessToken() resolves to the new token',
  );
  assert.deepEqual(
    tokenRequests.requests.map((r) => r.grantType),
    ['authorization_code', 'refresh_token'],
    'no other token request',
  );
  assert.deepEqual(await page.evaluate(() => window.__pageErrors), []);
});

test('session="memory" loses the session on reload', { timeout: 30_000 }, async (t) => {
  const { page } = await freshContext(t);
  await loginThroughProvider(page, stack, 'mona', { session: 'memory' });
  await waitForRecordedEvent(page, 'login');
  const [token] = await readTokens(page);
  assert.ok(token, 'a token event after the login');
  assert.equal(await page.evaluate(() => window.__element.getAttribute('session')), 'memory');
  const eventsBefore = (await readEvents(page)).length;
  const whileSignedIn = await dumpIndexedDb(page);
  assert.deepEqual(whileSignedIn['pkce-login']?.sessions?.keys ?? [], [], `no stored session while signed in: ${JSON.stringify(whileSignedIn)}`);
  assert.ok(!JSON.stringify(whileSignedIn).includes(token.accessToken), 'the access token is not in IndexedDB while signed in');

  await page.reload();
  await waitForStatus(page, 'signed-out');
  // Give a (wrong) restore every chance to happen.
  await page.waitForTimeout(500);
  const summary = await describePage(page);
  assert.equal(await page.evaluate(() => window.__element.status), 'signed-out', `signed out after the reload; ${summary}`);
  assert.equal(await page.evaluate(() => window.__element.getAttribute('session')), 'memory', 'configured alike after the reload');
  const later = (await readEvents(page)).slice(eventsBefore);
  assert.deepEqual(later.filter((e) => e.type === 'login'), [], 'no login event (restored or not) after the reload');
  assert.deepEqual(later.filter((e) => e.type === 'token'), [], 'no token event after the reload');
  assert.deepEqual(await readTokens(page), []);
  assert.equal(await page.locator(LOGIN_BUTTON).isEnabled(), true, 'Log in is offered');
  await assert.rejects(page.evaluate(() => window.__element.getAccessToken()), /login_required|not signed in/);

  const databases = await dumpIndexedDb(page);
  const sessions = databases['pkce-login']?.sessions;
  assert.deepEqual(sessions?.keys ?? [], [], `no stored session: ${JSON.stringify(databases)}`);
  const dump = JSON.stringify(databases);
  assert.ok(!dump.includes(token.accessToken), 'the access token is nowhere in IndexedDB');
  assert.ok(!/"(accessToken|refreshToken|idToken|tokens)"/.test(dump), `no tokens in IndexedDB: ${dump}`);
  assert.deepEqual(await page.evaluate(() => window.__pageErrors), []);
});
