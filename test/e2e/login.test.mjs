import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useBrowserAndStack, signInAtProvider, confirmLogoutAtProvider, loginThroughProvider,
  recordTokenRequests, readEvents, describePage, waitForRecordedEvent, waitForStatus,
  LOGIN_BUTTON, LOGOUT_BUTTON, USER_NAME,
} from './harness.mjs';

const env = useBrowserAndStack();

/** A fresh browser context and page, closed when the test ends. */
async function freshPage(t) {
  const context = await env.browser.newContext();
  t.after(() => context.close());
  return { context, page: await context.newPage() };
}

test('a full login emits token then login and shows the user and a Log out button', { timeout: 30_000 }, async (t) => {
  const { context, page } = await freshPage(t);
  const tokenRequests = recordTokenRequests(context, env.stack.tokenEndpoint);

  await page.goto(env.stack.pageUrl());
  await waitForStatus(page, 'signed-out');
  await page.click(LOGIN_BUTTON);
  const { prompts } = await signInAtProvider(page, 'alice');
  assert.deepEqual(prompts, ['login', 'consent'], 'the real provider asked for login and consent');
  await waitForStatus(page, 'signed-in');
  await waitForRecordedEvent(page, 'login');

  const events = await readEvents(page);
  const summary = await describePage(page);
  const tokenIndex = events.findIndex((e) => e.type === 'token');
  const loginIndex = events.findIndex((e) => e.type === 'login');
  assert.ok(tokenIndex !== -1, `a token event was fired; ${summary}`);
  assert.ok(tokenIndex < loginIndex, `token came before login; ${summary}`);
  assert.deepEqual(events.filter((e) => e.type === 'error'), [], 'no error event');

  const token = events[tokenIndex].detail;
  assert.ok(token.accessToken > 0, 'the token event carries an access token');
  assert.match(token.tokenType, /^(bearer|dpop)$/i);
  assert.ok(token.expiresAt > Date.now(), 'expiresAt is in the future');
  assert.ok(token.expiresAt < Date.now() + 3_700_000, 'expiresAt is epoch milliseconds');
  assert.equal(typeof token.scope, 'string');

  const { user, restored } = events[loginIndex].detail;
  assert.equal(user.sub, 'alice');
  assert.equal(user.name, 'alice');
  assert.equal(user.email, 'alice@example.test', 'the profile is completed from userinfo');
  assert.equal(restored, false);

  assert.equal((await page.locator(USER_NAME).textContent()).trim(), 'alice');
  assert.equal(await page.locator(LOGOUT_BUTTON).isVisible(), true, 'Log out is shown');
  assert.equal(await page.locator(LOGIN_BUTTON).count(), 0, 'Log in is gone');
  assert.equal(await page.evaluate(() => document.querySelector('pkce-login').authenticated), true);
  assert.equal((await page.evaluate(() => document.querySelector('pkce-login').user))?.sub, 'alice');

  const url = new URL(page.url());
  for (const name of ['code', 'state', 'iss']) {
    assert.equal(url.searchParams.has(name), false, `${name} removed from the address bar`);
  }
  assert.deepEqual(tokenRequests.requests.map((r) => r.grantType), ['authorization_code']);
  assert.deepEqual(await page.evaluate(() => window.__pageErrors), []);
});

test('logout goes through the provider end_session page and back, signed out', { timeout: 30_000 }, async (t) => {
  const { page } = await freshPage(t);
  await loginThroughProvider(page, env.stack, 'bob');

  await page.click(LOGOUT_BUTTON);
  await confirmLogoutAtProvider(page, { issuer: env.stack.issuer });
  assert.equal(new URL(page.url()).origin, env.stack.appOrigin, 'back at the app');
  await waitForStatus(page, 'signed-out');

  const logout = await waitForRecordedEvent(page, 'logout');
  assert.equal(logout.detail.reason, 'user');
  const login = page.locator(LOGIN_BUTTON);
  assert.equal(await login.isEnabled(), true, 'Log in is usable again');
  assert.equal(await page.locator(USER_NAME).count(), 0, 'no user shown');
  assert.equal(await page.evaluate(() => document.querySelector('pkce-login').user), null);
  const errors = (await readEvents(page)).filter((e) => e.type === 'error');
  assert.deepEqual(errors, [], 'no error event');

  // The provider session is gone: logging in again asks for the login again.
  await login.click();
  await page.waitForURL((url) => url.pathname.startsWith('/interaction/'));
  assert.equal(
    await page.locator('form input[name="prompt"]').getAttribute('value'),
    'login',
    'the provider asks for a login again',
  );
});

test('a display name with markup is rendered as text', { timeout: 30_000 }, async (t) => {
  const { page } = await freshPage(t);
  const name = '<img src=x onerror="window.__xss=(window.__xss||0)+1">';
  await loginThroughProvider(page, env.stack, name);
  await waitForRecordedEvent(page, 'login');

  const rendered = await page.evaluate(() => {
    const root = document.querySelector('pkce-login').shadowRoot;
    return {
      text: root.querySelector('[part~="user"]')?.textContent,
      imgs: [...root.querySelectorAll('img')].map((img) => ({
        part: img.getAttribute('part'),
        src: img.getAttribute('src'),
      })),
      documentImgs: document.querySelectorAll('img').length,
      xss: window.__xss,
    };
  });
  assert.equal(rendered.text?.trim(), name, 'textContent is the raw name');
  assert.deepEqual(
    rendered.imgs.filter((img) => !/(^|\s)avatar(\s|$)/.test(img.part ?? '')),
    [],
    'no img element other than the avatar in the shadow root',
  );
  for (const img of rendered.imgs) {
    assert.match(img.src, /^data:image\/svg\+xml,/, 'the avatar is the provider picture');
  }
  assert.equal(rendered.documentImgs, 0, 'no img element in the page');
  assert.equal(rendered.xss, undefined, 'no markup was executed');
});
