// Security review, issue 12, finding 3: a configuration switched during a login must not file
// the tokens under the wrong client. Two real oidc-provider instances (provider 1 from the stack,
// provider 2 started here with the same redirect URIs), real Chromium. A session is stored under
// the configuration of the login that produced it; a configuration change stops a pending popup;
// a stored session whose issuer or client id is not the element's is treated as absent, at a
// restore and when another tab announces it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { startProvider } from '../../scripts/provider.mjs';
import {
  launchBrowser, startStack, loginThroughProvider, signInAtProvider, recordRequests, readEvents, describePage,
  waitForRecordedEvent, waitForStatus, poll, LOGIN_BUTTON,
} from './harness.mjs';

const noDpop = { features: { dPoP: { enabled: false } } };
/** The browser, and the stack with provider 1. */
const env = {};
/** Provider 2: another issuer, the same client id and redirect URIs. */
let second;
before(async () => {
  [env.browser, env.stack] = await Promise.all([launchBrowser(), startStack({ configOverrides: noDpop })]);
  const pages = (await readdir(new URL('./pages/', import.meta.url))).filter((name) => name.endsWith('.html'));
  const redirectUris = pages.map((name) => `${env.stack.appOrigin}/test/e2e/pages/${name}`);
  second = await startProvider({ host: '127.0.0.1', port: 0, redirectUris, configOverrides: noDpop });
});
after(() => Promise.all([env.browser?.close(), env.stack?.close(), second?.close()]));

const keyOf = (issuer) => `${issuer} ${env.stack.clientId}`;

/** The stored sessions of the page's origin: key → the record's issuer and client id, and the user. */
function storedSessions(page) {
  return page.evaluate(() => new Promise((resolve, reject) => {
    const open = indexedDB.open('pkce-login');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      if (!db.objectStoreNames.contains('sessions')) return resolve({});
      const store = db.transaction('sessions', 'readonly').objectStore('sessions');
      const out = {};
      const cursor = store.openCursor();
      cursor.onerror = () => reject(cursor.error);
      cursor.onsuccess = () => {
        const c = cursor.result;
        if (!c) {
          db.close();
          return resolve(out);
        }
        out[c.key] = { issuer: c.value.issuer, clientId: c.value.clientId, sub: c.value.tokens?.claims?.sub };
        c.continue();
      };
    };
  }));
}

/** Opens a page configured for `issuer` in a new tab of `context` and waits until it has started. */
async function openPage(context, issuer, params = {}) {
  const page = await context.newPage();
  await page.goto(env.stack.pageUrl({ issuer, ...params }));
  await poll(async () => ['signed-in', 'signed-out'].includes(await page.evaluate(() => window.__element.status)), {
    describe: () => describePage(page),
  });
  return page;
}

function settle(ms = 1000) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

test('an issuer switched during a popup login\'s code exchange: the session is filed under the login\'s provider, and a page for the other provider does not restore it', { timeout: 60_000 }, async (t) => {
  const { stack } = env;
  const context = await env.browser.newContext();
  t.after(() => context.close());
  const page = await openPage(context, stack.issuer, { mode: 'popup' });
  assert.equal(await page.evaluate(() => window.__element.status), 'signed-out');

  // Hold the code exchange at provider 1 until the issuer has been switched.
  let exchangeSeen;
  const exchanging = new Promise((resolve) => (exchangeSeen = resolve));
  let release;
  const released = new Promise((resolve) => (release = resolve));
  await page.route(stack.tokenEndpoint, async (route) => {
    exchangeSeen();
    await released;
    await route.continue();
  });

  const [popup] = await Promise.all([page.waitForEvent('popup'), page.click(LOGIN_BUTTON)]);
  await signInAtProvider(popup, 'alice');
  await exchanging;
  // A tenant picker switches the element to provider 2 while provider 1 answers.
  await page.evaluate((issuer) => {
    window.__element.issuer = issuer;
  }, second.issuer);
  release();

  await poll(async () => (await page.evaluate(() => window.__element.status)) !== 'signing-in', { describe: () => describePage(page) });
  await settle(500);
  const summary = await describePage(page);
  assert.equal(await page.evaluate(() => window.__element.status), 'signed-out', `the element, now for provider 2, is not signed in with provider 1's tokens: ${summary}`);
  assert.equal(await page.evaluate(() => window.__element.user), null);
  assert.deepEqual((await readEvents(page)).map((e) => e.type), [], `no token, login or error: ${summary}`);

  const stored = await storedSessions(page);
  assert.deepEqual(stored, {
    [keyOf(stack.issuer)]: { issuer: stack.issuer, clientId: stack.clientId, sub: 'alice' },
  }, "stored under provider 1's key only, with provider 1's issuer");

  // A page configured only for provider 2 finds no session; one for provider 1 restores alice's.
  const forSecond = await openPage(context, second.issuer);
  await settle();
  assert.equal(await forSecond.evaluate(() => window.__element.status), 'signed-out', await describePage(forSecond));
  assert.deepEqual((await readEvents(forSecond)).map((e) => e.type), []);
  const forFirst = await openPage(context, stack.issuer);
  const login = await waitForRecordedEvent(forFirst, 'login');
  assert.equal(login.detail.restored, true);
  assert.equal(login.detail.user.sub, 'alice');
  assert.equal(login.detail.user.iss, stack.issuer);
  for (const p of [page, forSecond, forFirst]) assert.deepEqual(await p.evaluate(() => window.__pageErrors), []);
});

test('an issuer switched while the login popup is open closes the popup: no code exchange, nothing stored', { timeout: 45_000 }, async (t) => {
  const { stack } = env;
  const context = await env.browser.newContext();
  t.after(() => context.close());
  const tokenRequests = recordRequests(context, (url) => [stack.tokenEndpoint, `${second.issuer}/token`].includes(url.href));
  const page = await openPage(context, stack.issuer, { mode: 'popup' });
  const [popup] = await Promise.all([page.waitForEvent('popup'), page.click(LOGIN_BUTTON)]);
  await popup.waitForURL((url) => url.pathname.startsWith('/interaction/'));
  const closed = popup.waitForEvent('close');

  await page.evaluate((issuer) => {
    window.__element.issuer = issuer;
  }, second.issuer);
  await closed;
  await waitForStatus(page, 'signed-out');
  await settle();
  assert.deepEqual(tokenRequests.requests, [], 'no token request');
  assert.deepEqual(await storedSessions(page), {});
  assert.deepEqual((await readEvents(page)).map((e) => e.type), [], await describePage(page));
});

test("a session stored under another client's key is neither restored nor taken from another tab's announcement", { timeout: 45_000 }, async (t) => {
  const { stack } = env;
  const context = await env.browser.newContext();
  t.after(() => context.close());
  const first = await context.newPage();
  await loginThroughProvider(first, stack, 'alice');
  await waitForRecordedEvent(first, 'login');
  const forSecond = await openPage(context, second.issuer);
  assert.equal(await forSecond.evaluate(() => window.__element.status), 'signed-out');

  // Provider 1's session filed under provider 2's key (what a configuration switched during a
  // login did before), then announced to the other tabs as provider 2's.
  await first.evaluate(({ from, to }) => new Promise((resolve, reject) => {
    const open = indexedDB.open('pkce-login');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const tx = open.result.transaction('sessions', 'readwrite');
      const store = tx.objectStore('sessions');
      const get = store.get(from);
      get.onsuccess = () => store.put(get.result, to);
      tx.oncomplete = () => {
        open.result.close();
        const channel = new BroadcastChannel('pkce-login');
        channel.postMessage({ type: 'session', key: to });
        channel.close();
        resolve();
      };
      tx.onerror = () => reject(tx.error);
    };
  }), { from: keyOf(stack.issuer), to: keyOf(second.issuer) });
  assert.equal((await storedSessions(forSecond))[keyOf(second.issuer)]?.sub, 'alice', "the misfiled record is under provider 2's key");

  await settle();
  assert.equal(await forSecond.evaluate(() => window.__element.status), 'signed-out', `not taken from the announcement: ${await describePage(forSecond)}`);
  assert.deepEqual((await readEvents(forSecond)).map((e) => e.type), []);

  await forSecond.reload();
  await poll(async () => ['signed-in', 'signed-out'].includes(await forSecond.evaluate(() => window.__element.status)));
  await settle(500);
  assert.equal(await forSecond.evaluate(() => window.__element.status), 'signed-out', `not restored: ${await describePage(forSecond)}`);
  assert.deepEqual((await readEvents(forSecond)).map((e) => e.type), []);
  assert.equal(await first.evaluate(() => window.__element.user?.sub), 'alice', 'the tab of provider 1 is still signed in');
});
