// Hostile or careless pages (issue 3, items 6 and 7): the CDN bundle loaded twice, off-origin
// `returnTo` values (open redirect), and markup in attribute values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  useBrowserAndStack, signInAtProvider, recordRequests, recordTokenRequests, readEvents,
  describePage, poll, waitForRecordedEvent, waitForStatus, LOGIN_BUTTON, USER_NAME,
} from './harness.mjs';

const PAGES = '/test/e2e/pages/';

const env = useBrowserAndStack();

/** A fresh context and page; uncaught errors of the page are collected for the whole test. */
async function freshPage(t) {
  const context = await env.browser.newContext();
  t.after(() => context.close());
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  return { context, page, pageErrors };
}

/** Records requests to the provider's authorization endpoint (the start of a navigation away). */
function recordAuthorizationRequests(context) {
  const endpoint = new URL(env.stack.metadata.authorization_endpoint);
  return recordRequests(context, (url) => url.origin === endpoint.origin && url.pathname === endpoint.pathname);
}

/** Counts the main frame's navigations (including same-document ones) from now on. */
function countNavigations(page) {
  const seen = [];
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) seen.push(frame.url());
  });
  return seen;
}

/** The shadow root's elements, as tag names with their attributes, its text and its markup. */
function shadowContent(page) {
  return page.evaluate(() => {
    const root = document.querySelector('pkce-login')?.shadowRoot;
    if (!root) return { missing: true };
    const elements = [...root.querySelectorAll('*')];
    return {
      elements: elements.map((el) => [el.localName, ...[...el.attributes].map((a) => `${a.name}=${a.value}`)].join(' ')),
      eventHandlerAttributes: elements.flatMap((el) => [...el.attributes].filter((a) => /^on/i.test(a.name)).map((a) => a.name)),
      text: root.textContent,
      html: root.innerHTML,
    };
  });
}

// (a) Issue 3, item 7: two module instances of the CDN bundle on one page.
test('the CDN bundle loaded twice on one page does not throw and the element logs in', { timeout: 30_000 }, async (t) => {
  const { context, page, pageErrors } = await freshPage(t);
  const bundleResponses = [];
  context.on('response', (response) => {
    const url = new URL(response.url());
    if (url.pathname === '/dist/pkce-login.js') bundleResponses.push(`${url.search} ${response.status()}`);
  });
  const tokenRequests = recordTokenRequests(context, env.stack.tokenEndpoint);

  await page.goto(env.stack.pageUrl({}, 'double-load'));
  await waitForStatus(page, 'signed-out');
  assert.deepEqual(bundleResponses.sort(), ['?a 200', '?b 200'], 'both copies of the bundle were loaded');
  assert.equal(await page.waitForFunction(() => window.__bundleInstances).then((h) => h.jsonValue()), 2,
    'two module instances ran');
  assert.deepEqual(pageErrors, [], 'no uncaught error');
  assert.deepEqual(await page.evaluate(() => window.__pageErrors), [], 'no error reached window');
  assert.equal(await page.evaluate(() => document.querySelectorAll('pkce-login').length), 1);
  const button = page.locator(LOGIN_BUTTON);
  assert.equal(await button.count(), 1, 'exactly one Log in button');
  assert.equal((await button.textContent()).trim(), 'Log in');
  assert.equal(await button.isEnabled(), true, 'Log in is usable');

  await button.click();
  await signInAtProvider(page, 'dora');
  assert.equal(new URL(page.url()).pathname, `${PAGES}double-load.html`, 'back at the double-load page');
  await waitForStatus(page, 'signed-in');
  await waitForRecordedEvent(page, 'login');
  assert.equal((await page.locator(USER_NAME).textContent()).trim(), 'dora');
  const events = await readEvents(page);
  assert.deepEqual(events.map((e) => e.type), ['token', 'login'], await describePage(page));
  assert.equal(tokenRequests.requests.length, 1, 'one code exchange');
  assert.deepEqual(pageErrors, [], 'no uncaught error after the login');
  assert.deepEqual(await page.evaluate(() => window.__pageErrors), []);
});

// (b) SPEC §8.6: no open redirect through `returnTo`.
test('login() refuses off-origin returnTo values with invalid_config and does not navigate', { timeout: 30_000 }, async (t) => {
  const { context, page, pageErrors } = await freshPage(t);
  const authorizationRequests = recordAuthorizationRequests(context);
  const pageUrl = env.stack.pageUrl();
  await page.goto(pageUrl);
  await waitForStatus(page, 'signed-out');
  const navigations = countNavigations(page);

  const { port } = new URL(env.stack.appOrigin);
  const hostile = [
    'https://evil.example/',
    '//evil.example/x',
    'javascript:alert(1)',
    // more of the same family
    'JavaScript:window.__pwned=1',
    ' javascript:window.__pwned=1',
    '/\\evil.example/x',
    '\\\\evil.example/x',
    'https:evil.example',
    `http://127.0.0.1:${port}${PAGES}element.html`, // same server, another origin
    `${env.stack.appOrigin}.evil.example/`,
    `http://localhost:${port}@evil.example/`,
    'data:text/html,<script>window.__pwned=1</script>',
    env.stack.issuer, // the provider itself is not the app's origin either
  ];
  for (const returnTo of hostile) {
    const before = (await readEvents(page)).length;
    const outcome = await page.evaluate(async (value) => {
      try {
        await document.querySelector('pkce-login').login({ returnTo: value });
        return 'resolved';
      } catch (error) {
        return `rejected: ${error?.message ?? error}`;
      }
    }, returnTo);
    assert.equal(outcome, 'resolved', `login() never rejects (returnTo ${returnTo})`);
    const added = await poll(async () => {
      const events = (await readEvents(page)).slice(before);
      return events.length > 0 ? events : undefined;
    }, { timeout: 5_000, describe: async () => `no event for returnTo ${returnTo}; ${await describePage(page)}` });
    assert.equal(added.length, 1, `one event for returnTo ${returnTo}: ${JSON.stringify(added)}`);
    assert.equal(added[0].type, 'error', `returnTo ${returnTo} gives an error`);
    assert.equal(added[0].detail.code, 'invalid_config', `returnTo ${returnTo}: ${JSON.stringify(added[0].detail)}`);
    assert.match(added[0].detail.message, /returnTo/, 'the message names returnTo');
    assert.equal(await page.evaluate(() => document.querySelector('pkce-login').status), 'signed-out');
  }

  await sleep(500);
  assert.deepEqual(authorizationRequests.requests, [], 'no request to the authorization endpoint');
  assert.deepEqual(navigations, [], 'the page did not navigate');
  assert.equal(page.url(), pageUrl, 'still on the app page');
  assert.equal(await page.locator(LOGIN_BUTTON).isEnabled(), true, 'Log in is still usable');
  assert.equal(await page.evaluate(() => window.__pwned), undefined, 'nothing ran');
  assert.deepEqual(pageErrors, []);
  assert.deepEqual(await page.evaluate(() => window.__pageErrors), []);
});

test('a same-origin returnTo is where the page lands after the login', { timeout: 30_000 }, async (t) => {
  const { page, pageErrors } = await freshPage(t);
  await page.goto(env.stack.pageUrl());
  await waitForStatus(page, 'signed-out');
  const returnTo = `${PAGES}element.html?after=1#here`;
  const expected = `${env.stack.appOrigin}${returnTo}`;

  // Not awaited inside the page: login() ends in a navigation.
  await page.evaluate((value) => {
    void document.querySelector('pkce-login').login({ returnTo: value });
  }, returnTo);
  await signInAtProvider(page, 'rita');
  await waitForStatus(page, 'signed-in');
  const login = await waitForRecordedEvent(page, 'login');
  assert.equal(typeof login.detail.returnTo, 'string', 'login detail carries returnTo');
  assert.equal(new URL(login.detail.returnTo, env.stack.appOrigin).href, expected, 'login detail returnTo is that URL');
  assert.equal(await page.evaluate(() => location.href), expected, 'the address is the returnTo URL');
  await poll(() => page.url() === expected, { describe: () => page.url() });
  const events = await readEvents(page);
  assert.deepEqual(events.map((e) => e.type), ['token', 'login'], await describePage(page));
  assert.deepEqual(pageErrors, []);
});

// (c) Markup in attribute values and UI strings stays text.
test('markup in issuer and domain stays inert, also in the error message', { timeout: 30_000 }, async (t) => {
  const { context } = await freshPage(t);
  const pageErrors = [];
  const { port } = new URL(env.stack.issuer);
  const cases = [
    { name: 'issuer', params: { issuer: '<img src=x onerror=window.__pwned="issuer">' }, code: 'invalid_config' },
    { name: 'domain', params: { issuer: null, domain: '<svg onload=window.__pwned="domain">' }, code: 'invalid_config' },
    {
      // a loopback URL whose path holds markup: valid configuration, failed discovery
      name: 'issuer path',
      params: { issuer: `http://127.0.0.1:${port}/<img src=x onerror=window.__pwned="issuer-path">` },
      code: 'discovery_failed',
    },
  ];
  for (const { name, params, code } of cases) {
    // a new tab each time: the test page keeps its configuration and events per tab
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(`${name}: ${error.message}`));
    await page.goto(env.stack.pageUrl(params));
    const error = await waitForRecordedEvent(page, 'error');
    assert.equal(error.detail.code, code, `${name}: ${JSON.stringify(error.detail)}`);
    t.diagnostic(`${name}: ${error.detail.code}: ${error.detail.message}`);
    assert.match(error.detail.message, /<(img|svg) /, `${name}: the message quotes the markup (what must stay inert)`);
    await sleep(300); // an image error or load handler would have run by now
    assert.equal(await page.evaluate(() => window.__pwned), undefined, `${name}: no markup ran`);
    const shadow = await shadowContent(page);
    assert.deepEqual(shadow.elements?.map((e) => e.split(' ')[0]), ['button', 'slot', 'span'],
      `${name}: the shadow root holds only the Log in button, its label's slot and the live region: ${JSON.stringify(shadow)}`);
    assert.equal(shadow.elements[2], 'span role=status', `${name}: the live region`);
    assert.deepEqual(shadow.eventHandlerAttributes, [], `${name}: no on* attribute in the shadow root`);
    // A failure at page load is not announced, and the error's message is never rendered.
    assert.equal(shadow.text, 'Log in', `${name}: no message text rendered in the shadow root`);
    assert.equal(/<(img|svg)\b/i.test(shadow.html), false, `${name}: no markup in the shadow root`);
    assert.equal(await page.evaluate(() => document.querySelectorAll('img, svg, [onerror], [onload]').length), 0,
      `${name}: no element was created from the markup`);
    await page.close();
  }
  assert.deepEqual(pageErrors, []);
});

test('markup in client-id, scope, audience, lang and UI strings stays text', { timeout: 30_000 }, async (t) => {
  const { page, pageErrors } = await freshPage(t);
  const markup = (tag) => `<img src=x onerror=window.__pwned="${tag}">`;
  await page.goto(env.stack.pageUrl({
    client_id: markup('client-id'),
    scope: `openid ${markup('scope')}`,
    audience: markup('audience'),
    lang: `en"><img src=x onerror=window.__pwned="lang">`,
  }));
  await waitForStatus(page, 'signed-out');
  const label = '<b>Log</b> <img src=x onerror=window.__pwned="messages"> in';
  await page.evaluate((login) => {
    document.querySelector('pkce-login').messages = { login };
  }, label);
  await poll(async () => (await page.locator(LOGIN_BUTTON).textContent()) === label, {
    describe: async () => `button text: ${await page.locator(LOGIN_BUTTON).textContent()}`,
  });
  await sleep(300);

  assert.equal(await page.evaluate(() => window.__pwned), undefined, 'no markup ran');
  const shadow = await shadowContent(page);
  assert.deepEqual(shadow.elements.map((e) => e.split(' ')[0]), ['button', 'slot', 'span'],
    `the shadow root holds only the Log in button, its label's slot and the live region: ${JSON.stringify(shadow)}`);
  assert.deepEqual(shadow.eventHandlerAttributes, []);
  assert.equal(await page.evaluate(() => document.querySelectorAll('img, b, [onerror]').length), 0,
    'no element was created from the markup');

  // The values reach the provider as data, correctly encoded (the navigation is stopped here).
  let authorizationUrl;
  const endpoint = new URL(env.stack.metadata.authorization_endpoint);
  await page.route((url) => url.origin === endpoint.origin && url.pathname === endpoint.pathname, (route) => {
    authorizationUrl = new URL(route.request().url());
    return route.fulfill({ status: 204 });
  });
  await page.click(LOGIN_BUTTON);
  await poll(() => authorizationUrl, { describe: () => describePage(page) });
  assert.equal(authorizationUrl.searchParams.get('client_id'), markup('client-id'));
  assert.equal(authorizationUrl.searchParams.get('audience'), markup('audience'));
  assert.ok(authorizationUrl.searchParams.get('scope').split(' ').includes('openid'));
  assert.equal(await page.evaluate(() => window.__pwned), undefined, 'no markup ran');
  const errors = (await readEvents(page)).filter((e) => e.type === 'error');
  assert.deepEqual(errors, [], 'no error event');
  assert.deepEqual(pageErrors, []);
  assert.deepEqual(await page.evaluate(() => window.__pageErrors), []);
});
