// After a real login, no token is found in the URL, the history, cookies, Web Storage or the
// console (SPEC §8.5, issue 3 item 6). The real token values are read from the token endpoint's
// response, so the search is for exactly what the provider issued.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useBrowserAndStack, signInAtProvider, readEvents, describePage, poll,
  waitForRecordedEvent, waitForStatus, LOGIN_BUTTON,
} from './harness.mjs';

const env = useBrowserAndStack();

/**
 * What to look for: each token, and for a JWT also its payload and signature segments (a page
 * that logged only a part of the token would still leak it).
 *
 * @param {Record<string, string | undefined>} tokens
 * @returns {{ name: string, value: string }[]}
 */
function needles(tokens) {
  const out = [];
  for (const [name, value] of Object.entries(tokens)) {
    if (typeof value !== 'string' || !value) continue;
    out.push({ name, value });
    const parts = value.split('.');
    if (parts.length === 3) {
      out.push({ name: `${name} payload`, value: parts[1] }, { name: `${name} signature`, value: parts[2] });
    }
  }
  return out;
}

/** Asserts that no needle occurs in `haystack` (any value, serialised). */
function assertAbsent(haystack, list, where) {
  const text = typeof haystack === 'string' ? haystack : JSON.stringify(haystack);
  for (const { name, value } of list) {
    assert.equal(text.includes(value), false, `the ${name} must not appear in ${where}`);
  }
}

/** Every URL and title of the tab's session history (CDP), not only the current entry. */
async function historyEntries(context, page) {
  const session = await context.newCDPSession(page);
  try {
    const { currentIndex, entries } = await session.send('Page.getNavigationHistory');
    return { currentIndex, entries: entries.map(({ url, userTypedURL, title }) => ({ url, userTypedURL, title })) };
  } finally {
    await session.detach().catch(() => {});
  }
}

/** What the app origin's page can see of itself: address, cookies and Web Storage. */
function pageSnapshot(page) {
  return page.evaluate(() => {
    const dump = (storage) => {
      const entries = {};
      for (let i = 0; i < storage.length; i += 1) {
        const key = storage.key(i);
        entries[key] = storage.getItem(key);
      }
      return entries;
    };
    return {
      href: location.href,
      historyState: JSON.stringify(history.state),
      cookie: document.cookie,
      localStorage: dump(localStorage),
      sessionStorage: dump(sessionStorage),
    };
  });
}

test('after a login no token is in the URL, history, cookies, Web Storage or console', { timeout: 45_000 }, async (t) => {
  const context = await env.browser.newContext();
  t.after(() => context.close());
  // Listen as a page would: the token event bubbles out of the element (composed). The details
  // stay in this page's memory only.
  await context.addInitScript(() => {
    window.__tokenDetails = [];
    window.__eventDetails = [];
    for (const type of ['token', 'login', 'logout']) {
      document.addEventListener(type, (event) => {
        if (type === 'token') window.__tokenDetails.push(event.detail);
        window.__eventDetails.push({ type, detail: event.detail });
      });
    }
  });
  const page = await context.newPage();

  const consoleMessages = [];
  page.on('console', (msg) => consoleMessages.push({ type: msg.type(), text: msg.text(), at: page.url() }));
  page.on('pageerror', (error) => consoleMessages.push({ type: 'pageerror', text: `${error.message}\n${error.stack}` }));

  // Pass the token endpoint's answers through, keeping their bodies: reading a body from the
  // 'response' event races with the browser discarding it.
  const tokenResponses = [];
  await page.route(env.stack.tokenEndpoint, async (route) => {
    if (route.request().method() !== 'POST') return route.continue();
    const response = await route.fetch();
    tokenResponses.push(response.json());
    await route.fulfill({ response });
  });
  // Every URL the browser requested from the moment the tokens exist (navigations, fetches,
  // images): none may carry a token.
  const requestUrls = [];
  context.on('request', (request) => requestUrls.push(request.url()));

  await page.goto(env.stack.pageUrl());
  await waitForStatus(page, 'signed-out');
  await page.evaluate(() => console.log('console probe: the test sees this page\'s console'));
  await page.click(LOGIN_BUTTON);
  await signInAtProvider(page, 'leah');
  await waitForStatus(page, 'signed-in');
  await waitForRecordedEvent(page, 'login');

  assert.equal(tokenResponses.length, 1, 'one token endpoint response');
  const body = await tokenResponses[0];
  const tokens = { 'access token': body.access_token, 'ID token': body.id_token, 'refresh token': body.refresh_token };
  t.diagnostic(`token response fields: ${Object.keys(body).sort().join(', ')}; refresh token: ${
    body.refresh_token ? 'issued' : 'none'}`);
  assert.equal(typeof body.access_token, 'string', 'the provider issued an access token');
  assert.equal(typeof body.id_token, 'string', 'the provider issued an ID token');
  const list = needles(tokens);

  // Not vacuous: a listener on the page does get the tokens.
  const seen = await page.evaluate(() => window.__tokenDetails);
  assert.equal(seen.length, 1, 'one token event reached a document listener');
  assert.equal(seen[0].accessToken, body.access_token, 'the listener got the real access token');
  assert.equal(seen[0].idToken, body.id_token, 'the listener got the real ID token');
  assert.ok(consoleMessages.some((m) => m.text.includes('console probe')), 'the console is being captured');

  // The refresh token is in no event detail and no property of the element (SPEC §5).
  if (body.refresh_token) {
    const exposed = await page.evaluate(() => {
      const el = document.querySelector('pkce-login');
      return {
        events: window.__eventDetails,
        user: el.user,
        // the documented properties (SPEC §2, §3)
        properties: Object.fromEntries([
          'status', 'user', 'authenticated', 'issuer', 'clientId', 'redirectUri', 'scope',
          'authorizationParams', 'messages',
        ].map((key) => [key, el[key]])),
      };
    });
    assertAbsent(exposed, needles({ 'refresh token': body.refresh_token }), 'event details or element properties');
  }

  // The test page's own recorder keeps token lengths, never tokens.
  const recorded = (await readEvents(page)).find((e) => e.type === 'token');
  assert.equal(recorded.detail.accessToken, body.access_token.length, `the recorder stores the access token's length; ${
    await describePage(page)}`);
  assert.equal(recorded.detail.idToken, body.id_token.length, 'the recorder stores the ID token\'s length');
  assert.equal('refreshToken' in recorded.detail, false, 'the token event has no refresh token');

  // The app page itself.
  const snapshot = await pageSnapshot(page);
  assert.ok(Object.keys(snapshot.sessionStorage).includes('e2e-events'), 'the Web Storage dump is real');
  assertAbsent(snapshot.href, list, 'location.href');
  assertAbsent(page.url(), list, 'the page URL');
  assertAbsent(snapshot.historyState, list, 'history.state');
  assertAbsent(snapshot.cookie, list, 'document.cookie');
  assertAbsent(snapshot.localStorage, list, 'localStorage (keys and values)');
  assertAbsent(Object.keys(snapshot.localStorage), list, 'localStorage keys');
  assertAbsent(snapshot.sessionStorage, list, 'sessionStorage (keys and values)');
  assertAbsent(Object.keys(snapshot.sessionStorage), list, 'sessionStorage keys');

  const appCookies = await context.cookies(env.stack.appOrigin);
  assertAbsent(appCookies, list, `the context's cookies for ${env.stack.appOrigin}`);
  assertAbsent(await context.cookies(), list, 'any cookie of the browser context');

  const history = await historyEntries(context, page);
  assert.ok(history.entries.length >= 3, `the history has the trip to the provider: ${JSON.stringify(history.entries)}`);
  assertAbsent(history.entries, list, 'the session history entries');

  // One step back (into the provider's pages), and what that shows.
  await page.goBack({ waitUntil: 'domcontentloaded' }).catch(() => {});
  await poll(async () => (await page.evaluate(() => document.readyState)) !== 'loading');
  const back = await page.evaluate(() => location.href);
  t.diagnostic(`after going back once: ${new URL(back).origin}${new URL(back).pathname}`);
  assertAbsent(back, list, 'location.href after going back');
  assertAbsent(page.url(), list, 'the page URL after going back');
  assertAbsent((await historyEntries(context, page)).entries, list, 'the history entries after going back');

  assertAbsent(requestUrls, list, 'any requested URL');
  assertAbsent(consoleMessages, list, 'the console during the whole flow');
});
