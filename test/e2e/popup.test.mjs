// Popup logins (mode="popup") against the real provider: the sign-in happens in a popup window,
// the page that opened it never navigates, and the result reaches it even when the provider's
// Cross-Origin-Opener-Policy severs the popup from it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useBrowserAndStack, signInAtProvider, cancelAtProvider, recordTokenRequests, readEvents,
  describePage, waitForRecordedEvent, waitForStatus, poll, LOGIN_BUTTON, USER_NAME,
} from './harness.mjs';

/** Set by a test: the provider then answers with `Cross-Origin-Opener-Policy: same-origin`. */
let severOpener = false;

const env = useBrowserAndStack({
  providerHeaders: () => (severOpener ? { 'Cross-Origin-Opener-Policy': 'same-origin' } : undefined),
});

/**
 * A fresh browser context with the signed-out element in popup mode; `window.__popup` is the
 * opener's handle on the last window it opened.
 */
async function openerPage(t) {
  const context = await env.browser.newContext();
  t.after(() => context.close());
  await context.addInitScript(() => {
    const open = window.open;
    window.open = (...args) => (window.__popup = open.apply(window, args));
  });
  const page = await context.newPage();
  await page.goto(env.stack.pageUrl({ mode: 'popup' }));
  await waitForStatus(page, 'signed-out');
  return { context, page };
}

/** Clicks Log in and returns the popup that opens. */
async function clickForPopup(page) {
  const [popup] = await Promise.all([page.waitForEvent('popup'), page.click(LOGIN_BUTTON)]);
  return popup;
}

/** What must stay unchanged in the opener: its address and its history. */
function addressOf(page) {
  return page.evaluate(() => ({ href: location.href, length: history.length }));
}

/** Counts the opener's own navigations (its main frame committing a new document). */
function countNavigations(page) {
  const seen = { count: 0 };
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) seen.count += 1;
  });
  return seen;
}

/** Long enough for the opener to notice a closed popup (it polls), had it been waiting still. */
function settle() {
  return new Promise((resolve) => setTimeout(resolve, 1500));
}

async function errorsOf(page) {
  return (await readEvents(page)).filter((e) => e.type === 'error');
}

test('a popup login signs the opener in without navigating it', { timeout: 45_000 }, async (t) => {
  const { context, page } = await openerPage(t);
  const before = await addressOf(page);
  const navigations = countNavigations(page);
  const tokenRequests = recordTokenRequests(context, env.stack.tokenEndpoint);

  const popup = await clickForPopup(page);
  const closed = popup.waitForEvent('close');
  const { prompts, callbackUrl } = await signInAtProvider(popup, 'alice');
  assert.deepEqual(prompts, ['login', 'consent'], 'the real provider form was filled in the popup');
  assert.match(new URL(callbackUrl).searchParams.get('state'), /^p\./, 'a popup login state');
  await closed;

  await waitForStatus(page, 'signed-in');
  await settle();
  const events = await readEvents(page);
  const summary = await describePage(page);
  assert.deepEqual(events.map((e) => e.type), ['token', 'login'], summary);
  assert.equal(events[1].detail.user.sub, 'alice');
  assert.equal(events[1].detail.restored, false);
  assert.equal(events[1].detail.returnTo, undefined);
  assert.equal((await page.locator(USER_NAME).textContent()).trim(), 'alice');

  assert.deepEqual(await addressOf(page), before, "the opener's address and history are unchanged");
  assert.equal(navigations.count, 0, 'the opener never navigated');
  assert.deepEqual(tokenRequests.requests.map((r) => r.grantType), ['authorization_code'], 'one code exchange');
  assert.deepEqual(await page.evaluate(() => window.__pageErrors), []);
});

test('closing the popup gives one popup_closed error; a second popup login then succeeds', { timeout: 60_000 }, async (t) => {
  const { page } = await openerPage(t);
  const before = await addressOf(page);

  const first = await clickForPopup(page);
  await first.waitForURL((url) => url.pathname.startsWith('/interaction/'));
  await first.close();

  await waitForRecordedEvent(page, 'error');
  await waitForStatus(page, 'signed-out');
  assert.deepEqual((await errorsOf(page)).map((e) => e.detail.code), ['popup_closed']);
  assert.equal(await page.locator(LOGIN_BUTTON).isEnabled(), true, 'Log in is usable again');
  assert.equal(await page.locator(LOGIN_BUTTON).getAttribute('aria-busy'), 'false');

  const second = await clickForPopup(page);
  await signInAtProvider(second, 'bob');
  await waitForStatus(page, 'signed-in');
  const events = await readEvents(page);
  assert.deepEqual(events.map((e) => e.type), ['error', 'token', 'login'], await describePage(page));
  assert.equal(events[2].detail.user.sub, 'bob');
  assert.deepEqual(await addressOf(page), before);
});

test('a popup severed by the provider\'s Cross-Origin-Opener-Policy still signs the opener in', { timeout: 45_000 }, async (t) => {
  severOpener = true;
  t.after(() => {
    severOpener = false;
  });
  const { context, page } = await openerPage(t);
  const before = await addressOf(page);
  const navigations = countNavigations(page);
  const tokenRequests = recordTokenRequests(context, env.stack.tokenEndpoint);

  const popup = await clickForPopup(page);
  await popup.waitForURL((url) => url.pathname.startsWith('/interaction/'));
  // Severed: the opener's handle on the popup reports it closed (Chromium), so the element
  // reports popup_closed while the user is still at the provider.
  assert.equal(await page.evaluate(() => window.__popup.closed), true, 'the popup is severed from the opener');
  await waitForRecordedEvent(page, 'error');
  await waitForStatus(page, 'signed-out');
  await signInAtProvider(popup, 'carol');

  await waitForStatus(page, 'signed-in');
  await waitForRecordedEvent(page, 'login');
  const events = await readEvents(page);
  const summary = await describePage(page);
  assert.deepEqual(
    events.map((e) => e.type).filter((type) => type !== 'error'),
    ['token', 'login'],
    summary,
  );
  // popup_closed came first, then the login.
  assert.deepEqual(
    events.filter((e) => e.type === 'error').map((e) => e.detail.code),
    ['popup_closed'],
    summary,
  );
  assert.equal(events.at(-1).detail.user.sub, 'carol');
  assert.deepEqual(await addressOf(page), before);
  assert.equal(navigations.count, 0, 'the opener never navigated');
  assert.deepEqual(tokenRequests.requests.map((r) => r.grantType), ['authorization_code']);
  await poll(() => popup.isClosed(), { describe: () => `popup still open at ${popup.url()}` });
});

test('a blocked popup falls back to the redirect login', { timeout: 45_000 }, async (t) => {
  const context = await env.browser.newContext();
  t.after(() => context.close());
  // What a popup blocker does: window.open returns null.
  await context.addInitScript(() => {
    window.open = () => null;
  });
  const page = await context.newPage();
  await page.goto(env.stack.pageUrl({ mode: 'popup' }));
  await waitForStatus(page, 'signed-out');

  await page.click(LOGIN_BUTTON);
  const { callbackUrl } = await signInAtProvider(page, 'dave');
  assert.doesNotMatch(new URL(callbackUrl).searchParams.get('state'), /^p\./, 'a redirect login state');
  await waitForStatus(page, 'signed-in');
  const events = await readEvents(page);
  assert.deepEqual(events.map((e) => e.type), ['token', 'login'], await describePage(page));
  assert.equal(new URL(page.url()).searchParams.has('code'), false);
});

test('a provider error in the popup reaches the opener as its error event', { timeout: 45_000 }, async (t) => {
  const { context, page } = await openerPage(t);
  const before = await addressOf(page);
  const tokenRequests = recordTokenRequests(context, env.stack.tokenEndpoint);

  const popup = await clickForPopup(page);
  const closed = popup.waitForEvent('close');
  const { callbackUrl } = await cancelAtProvider(popup);
  assert.equal(new URL(callbackUrl).searchParams.get('error'), 'access_denied');
  await closed;

  const error = await waitForRecordedEvent(page, 'error');
  await waitForStatus(page, 'signed-out');
  await settle();
  assert.equal(error.detail.code, 'access_denied');
  assert.deepEqual((await readEvents(page)).map((e) => e.type), ['error'], 'one error, no popup_closed');
  assert.equal(await page.locator(LOGIN_BUTTON).isEnabled(), true);
  assert.deepEqual(tokenRequests.requests, [], 'no token request');
  assert.deepEqual(await addressOf(page), before);
});
