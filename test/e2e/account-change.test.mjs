// Security review, issue 12, finding 2: another tab's login as a different user. Tab A is signed
// in as alice; tab B of the same browser signs in again as bob (`prompt=login`). Tab A must not
// switch to bob's tokens silently: it emits `logout` (reason `account-changed`), then `token` and
// `login` for bob, says so in its live region, and alice's refresh token is revoked at the
// provider (RFC 7009). Real oidc-provider, real login form, real Chromium.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useBrowserAndStack, loginThroughProvider, signInAtProvider, readEvents, describePage,
  waitForRecordedEvent, waitForStatus, poll, USER_NAME,
} from './harness.mjs';

// DPoP off: Bearer refresh tokens, which the test can present at the token endpoint itself.
const env = useBrowserAndStack({ configOverrides: { features: { dPoP: { enabled: false } } } });

/** Listens to a provider event until the test ends. */
function onProvider(t, name, listener) {
  env.stack.provider.on(name, listener);
  t.after(() => env.stack.provider.off(name, listener));
}

/** A refresh_token grant sent from Node, as a client holding `refreshToken` would. */
async function refreshGrant(refreshToken) {
  const response = await fetch(env.stack.tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: env.stack.clientId }),
  });
  return { status: response.status, body: await response.json() };
}

/** What the element's live region says. */
function liveRegion(page) {
  return page.evaluate(() => window.__element.shadowRoot.querySelector('[role="status"]').textContent.trim());
}

test('another tab signing in as someone else: logout account-changed, then login for the new user; the old refresh token is revoked', { timeout: 60_000 }, async (t) => {
  const { stack } = env;
  const context = await env.browser.newContext();
  t.after(() => context.close());
  // The refresh tokens the provider issues, by account (an opaque token's value is its jti).
  const issued = new Map();
  onProvider(t, 'refresh_token.saved', (token) => issued.set(token.accountId, token.jti));
  const revocations = [];
  context.on('request', (request) => {
    if (request.url() !== stack.metadata.revocation_endpoint) return;
    revocations.push(new URLSearchParams(request.postData() ?? '').get('token'));
  });

  const tabA = await context.newPage();
  await loginThroughProvider(tabA, stack, 'alice');
  await waitForRecordedEvent(tabA, 'login');
  const aliceRefreshToken = issued.get('alice');
  assert.ok(aliceRefreshToken, "alice's refresh token was issued");

  const tabB = await context.newPage();
  await tabB.goto(stack.pageUrl());
  await waitForRecordedEvent(tabB, 'login', { predicate: (e) => e.detail.restored === true });
  const before = (await readEvents(tabA)).length;

  // Tab B signs in again, as bob: the provider asks for a login although alice is signed in there.
  await tabB.evaluate(() => {
    void window.__element.login({ authorizationParams: { prompt: 'login' } });
  });
  const { prompts } = await signInAtProvider(tabB, 'bob');
  assert.equal(prompts[0], 'login', 'prompt=login: the provider showed its login form');
  await waitForRecordedEvent(tabB, 'login', { predicate: (e) => e.detail.user.sub === 'bob' });

  // Tab A: logout (account-changed), then token and login for bob.
  await waitForRecordedEvent(tabA, 'login', { predicate: (e) => e.detail.user.sub === 'bob', timeout: 5_000 });
  await waitForStatus(tabA, 'signed-in');
  const events = (await readEvents(tabA)).slice(before);
  const summary = await describePage(tabA);
  assert.deepEqual(events.map((e) => e.type), ['logout', 'token', 'login'], summary);
  assert.deepEqual(events[0].detail, { reason: 'account-changed' }, summary);
  assert.equal(events[2].detail.user.sub, 'bob');
  assert.equal(events[2].detail.restored, true, 'the new session came from another tab: restored');
  assert.equal(await tabA.evaluate(() => window.__element.user.sub), 'bob');
  assert.equal((await tabA.locator(USER_NAME).textContent()).trim(), 'bob');
  assert.equal(await liveRegion(tabA), 'Signed in as bob', 'the live region says who is signed in now');

  // alice's refresh token is revoked at the provider; bob's is not.
  await poll(async () => (await stack.provider.RefreshToken.find(aliceRefreshToken)) === undefined, {
    timeout: 5_000,
    describe: () => `revocation requests: ${revocations.length}`,
  });
  assert.ok(revocations.length >= 1, 'the browser sent a revocation request');
  assert.ok(revocations.every((token) => token === aliceRefreshToken), "only alice's refresh token was revoked");
  const reuse = await refreshGrant(aliceRefreshToken);
  assert.equal(reuse.status, 400, `alice's refresh token no longer works: ${JSON.stringify(reuse)}`);
  assert.equal(reuse.body.error, 'invalid_grant');
  assert.ok((await stack.provider.RefreshToken.find(issued.get('bob')))?.isValid, "bob's refresh token is valid");

  for (const [name, page] of [['tab A', tabA], ['tab B', tabB]]) {
    assert.deepEqual((await readEvents(page)).filter((e) => e.type === 'error'), [], `${name}: no error`);
    assert.deepEqual(await page.evaluate(() => window.__pageErrors), [], `${name}: no page error`);
  }
});
