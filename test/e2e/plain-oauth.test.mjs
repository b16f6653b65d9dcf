// Plain OAuth 2 (issue 13.4, issue 14 item 4): a `scope` without `openid` against the real
// provider. No nonce is sent, no ID token is expected, and the discovered userinfo endpoint is
// never called; `user` (the property and the `login` event's) is `{}`, and the signed-in view
// says "Signed in" beside a generic figure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useBrowserAndStack, signInAtProvider, recordRequests, readEvents, describePage, waitForRecordedEvent, waitForStatus,
  LOGIN_BUTTON, LOGOUT_BUTTON, USER_NAME,
} from './harness.mjs';

const env = useBrowserAndStack();

test('scope="profile": no nonce, no userinfo request, user is {} and the view says "Signed in"', { timeout: 30_000 }, async (t) => {
  const { stack } = env;
  assert.ok(stack.metadata.userinfo_endpoint, 'the provider advertises a userinfo endpoint');
  const context = await env.browser.newContext();
  t.after(() => context.close());
  const page = await context.newPage();
  const userinfo = new URL(stack.metadata.userinfo_endpoint);
  const authorization = new URL(stack.metadata.authorization_endpoint);
  const requests = recordRequests(context, (url) => url.origin === userinfo.origin
    && [userinfo.pathname, authorization.pathname].includes(url.pathname));

  await page.goto(stack.pageUrl({ scope: 'profile' }));
  await waitForStatus(page, 'signed-out');
  await page.click(LOGIN_BUTTON);
  await signInAtProvider(page, 'ada');
  await waitForStatus(page, 'signed-in');
  const login = await waitForRecordedEvent(page, 'login');
  const summary = await describePage(page);

  const authorize = new URL(requests.requests.find((r) => new URL(r.url).pathname === authorization.pathname).url);
  assert.equal(authorize.searchParams.get('scope'), 'profile', 'no openid, no offline_access');
  assert.equal(authorize.searchParams.has('nonce'), false, 'no nonce');
  assert.deepEqual(requests.requests.filter((r) => new URL(r.url).pathname === userinfo.pathname).map((r) => r.url), [],
    'no userinfo request');

  const events = await readEvents(page);
  assert.deepEqual(events.filter((e) => e.type === 'error'), [], `no error; ${summary}`);
  const token = events.find((e) => e.type === 'token').detail;
  assert.equal(token.idToken, undefined, 'no ID token');
  assert.deepEqual(login.detail.user, {}, 'the login event\'s user is {}');
  assert.deepEqual(await page.evaluate(() => document.querySelector('pkce-login').user), {}, 'the user property is {}');

  assert.equal((await page.locator(USER_NAME).textContent()).trim(), 'Signed in');
  assert.equal(await page.locator('pkce-login [part~="initials"] svg').count(), 1, 'a generic figure');
  assert.equal(await page.locator('pkce-login img').count(), 0, 'no picture');
  assert.equal(await page.locator(LOGOUT_BUTTON).isVisible(), true, 'Log out is shown');
});
