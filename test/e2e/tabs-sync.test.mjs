// Many tabs (issue 4): three tabs of one browser left open through several refresh token
// rotations send one refresh per rotation and never see invalid_grant; a logout in one tab signs
// the others out and revokes the refresh token at the provider (RFC 7009). Real oidc-provider
// with access tokens living a few seconds, real login form, real Chromium; the refreshes are
// counted in the browser and at the provider.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  launchBrowser, startStack, loginThroughProvider, confirmLogoutAtProvider, recordTokenRequests,
  captureTokens, readTokens, readEvents, describePage, poll, waitForRecordedEvent, waitForStatus,
  LOGIN_BUTTON, LOGOUT_BUTTON,
} from './harness.mjs';

const TABS = 3;
const ROTATIONS = 3;
/** Access token lifetime (s) of the rotation test: renewed every ~4.5 s. */
const ROTATION_TTL = 6;

let browser;
/** DPoP advertised (oidc-provider's default): refresh tokens bound to the tabs' shared key. */
let dpopStack;
/** DPoP off: a Bearer refresh token, which the test can present itself after the logout. */
let bearerStack;

before(async () => {
  [browser, dpopStack, bearerStack] = await Promise.all([
    launchBrowser(),
    startStack({ accessTokenTtl: ROTATION_TTL, configOverrides: { features: { dPoP: { enabled: true } } } }),
    startStack({ accessTokenTtl: 30, configOverrides: { features: { dPoP: { enabled: false } } } }),
  ]);
});

after(async () => {
  await Promise.all([browser?.close(), dpopStack?.close(), bearerStack?.close()]);
});

/** Listens to a provider event until the test ends. */
function onProvider(t, provider, name, listener) {
  provider.on(name, listener);
  t.after(() => provider.off(name, listener));
}

/**
 * Signs in in a first tab, then opens the other tabs on the same page: they restore the session.
 * @returns {Promise<import('playwright-core').Page[]>}
 */
async function openSignedInTabs(context, stack, login) {
  const first = await context.newPage();
  await loginThroughProvider(first, stack, login);
  await waitForRecordedEvent(first, 'login');
  const others = await Promise.all(Array.from({ length: TABS - 1 }, () => context.newPage()));
  await Promise.all(others.map(async (page) => {
    await page.goto(stack.pageUrl());
    await waitForRecordedEvent(page, 'login', { predicate: (e) => e.detail.restored === true });
    await waitForStatus(page, 'signed-in');
  }));
  return [first, ...others];
}

/** A refresh_token grant sent from Node, as a client holding `refreshToken` would. */
async function refreshGrant(stack, refreshToken) {
  const response = await fetch(stack.tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: stack.clientId }),
  });
  return { status: response.status, body: await response.json() };
}

test(`${TABS} tabs left open through ${ROTATIONS} rotations: one refresh per rotation, no invalid_grant, nobody signed out`, { timeout: 60_000 }, async (t) => {
  const stack = dpopStack;
  assert.ok(stack.metadata.dpop_signing_alg_values_supported?.includes('ES256'), 'DPoP is advertised');
  const context = await browser.newContext();
  t.after(() => context.close());
  await captureTokens(context);
  const tokenRequests = recordTokenRequests(context, stack.tokenEndpoint);
  t.after(() => tokenRequests.stop());

  // At the provider: every successful refresh (each one rotates the refresh token), every
  // failed grant, every refresh token consumed.
  const atProvider = { refreshes: [], errors: [], consumed: 0 };
  onProvider(t, stack.provider, 'grant.success', (ctx) => {
    if (ctx.oidc.params.grant_type === 'refresh_token') atProvider.refreshes.push(Date.now());
  });
  onProvider(t, stack.provider, 'grant.error', (ctx, error) => {
    atProvider.errors.push(`${ctx.oidc?.params?.grant_type}: ${error.error} ${error.error_description ?? ''}`);
  });
  onProvider(t, stack.provider, 'refresh_token.consumed', () => {
    atProvider.consumed += 1;
  });

  const tabs = await openSignedInTabs(context, stack, 'tabitha');
  const started = Date.now();
  const visibility = await Promise.all(tabs.map((page) => page.evaluate(() => document.visibilityState)));
  t.diagnostic(`tabs: ${tabs.length}, visibility: ${visibility.join(', ')}`);
  const [initial] = await readTokens(tabs[0]);
  assert.equal(initial.tokenType, 'DPoP');

  // Nobody does anything; the tabs renew on their own. Wait for the rotations, and for every
  // tab to hold the latest token.
  const summary = async () => `provider: ${JSON.stringify(atProvider)}; browser refreshes: `
    + `${tokenRequests.requests.filter((r) => r.grantType === 'refresh_token').length}; `
    + (await Promise.all(tabs.map((page) => describePage(page)))).join(' | ');
  const tokensPerTab = await poll(async () => {
    if (atProvider.refreshes.length < ROTATIONS) return undefined;
    const perTab = await Promise.all(tabs.map((page) => readTokens(page)));
    const latest = perTab.map((tokens) => tokens.at(-1)?.accessToken);
    const distinct = new Set(perTab.flat().map((token) => token.accessToken));
    return latest.every((token) => token === latest[0]) && distinct.size === atProvider.refreshes.length + 1
      ? perTab
      : undefined;
  }, { timeout: (ROTATIONS + 2) * ROTATION_TTL * 1000, interval: 100, describe: summary });
  // Snapshot now: the next renewal is seconds away.
  const browserRefreshes = tokenRequests.requests.filter((r) => r.grantType === 'refresh_token');
  const providerRefreshes = [...atProvider.refreshes];
  const elapsed = Date.now() - started;
  const intervals = providerRefreshes.slice(1).map((at, i) => at - providerRefreshes[i]);
  t.diagnostic(`tabs ${TABS}; rotations (successful refresh_token grants at the provider) ${providerRefreshes.length}; `
    + `refresh requests sent by the browser ${browserRefreshes.length}; refresh tokens consumed ${atProvider.consumed}; `
    + `failed grants ${atProvider.errors.length}; intervals between refreshes ${intervals.join(', ')} ms; `
    + `over ${elapsed} ms; token events per tab ${tokensPerTab.map((tokens) => tokens.length).join(', ')}`);

  const names = new Map();
  const name = (token) => names.get(token) ?? names.set(token, `T${names.size}`).get(token);
  for (const tokens of tokensPerTab) tokens.forEach((token) => name(token.accessToken));
  t.diagnostic(`token events per tab: ${tokensPerTab.map((tokens, i) => `tab ${i + 1}: ${tokens.map((token) => `${name(token.accessToken)}@${token.at - started}`).join(' ')}`).join('; ')}`);
  t.diagnostic(`refresh requests at (ms after the tabs were open): ${browserRefreshes.map((r) => r.at - started).join(', ')}`);

  assert.deepEqual(atProvider.errors, [], 'no grant failed at the provider (no invalid_grant)');
  assert.equal(browserRefreshes.length, providerRefreshes.length, 'one refresh request per rotation, across all tabs');
  assert.equal(atProvider.consumed, providerRefreshes.length, 'each refresh consumed (rotated) one refresh token');
  for (const interval of intervals) {
    assert.ok(interval > (ROTATION_TTL * 1000) / 2, `refreshes ${interval} ms apart: no tab refreshed again a token just renewed by another`);
  }
  const rotated = new Set(tokensPerTab.flat().map((token) => token.accessToken));
  rotated.delete(initial.accessToken);
  assert.equal(rotated.size, providerRefreshes.length, 'one new access token per rotation');

  for (const [index, page] of tabs.entries()) {
    const events = await readEvents(page);
    const label = `tab ${index + 1}`;
    assert.deepEqual(events.filter((e) => e.type === 'error' && e.detail.code === 'invalid_grant'), [], `${label}: no invalid_grant`);
    assert.deepEqual(events.filter((e) => e.type === 'error'), [], `${label}: no error at all`);
    assert.deepEqual(events.filter((e) => e.type === 'logout'), [], `${label}: not signed out`);
    assert.equal(events.filter((e) => e.type === 'login').length, 1, `${label}: signed in once`);
    assert.equal(await page.evaluate(() => window.__element.status), 'signed-in', `${label}: still signed in`);
    const seen = new Set(tokensPerTab[index].map((token) => token.accessToken));
    for (const token of rotated) assert.ok(seen.has(token), `${label}: a token event for every rotation`);
    assert.ok(tokensPerTab[index].every((token) => token.tokenType === 'DPoP'), `${label}: DPoP-bound tokens`);
    assert.equal(
      await page.evaluate(() => window.__element.getAccessToken()),
      tokensPerTab[0].at(-1).accessToken,
      `${label}: getAccessToken() resolves to the latest token`,
    );
    assert.deepEqual(await page.evaluate(() => window.__pageErrors), [], `${label}: no page error`);
  }
});

test('a logout in one tab signs out the others and revokes the refresh token (RFC 7009)', { timeout: 30_000 }, async (t) => {
  const stack = bearerStack;
  assert.equal(stack.metadata.dpop_signing_alg_values_supported, undefined, 'DPoP is not advertised');
  const revocationEndpoint = stack.metadata.revocation_endpoint;
  assert.ok(revocationEndpoint, 'the provider has a revocation endpoint');
  const context = await browser.newContext();
  t.after(() => context.close());

  // The refresh tokens the provider issues (an opaque token's value is its jti).
  const issued = [];
  onProvider(t, stack.provider, 'refresh_token.saved', (token) => issued.push(token.jti));
  // Revocation requests the browser sends, with their token.
  const revocations = [];
  const onRequest = (request) => {
    if (request.url() !== revocationEndpoint) return;
    revocations.push({ method: request.method(), token: new URLSearchParams(request.postData() ?? '').get('token'), at: Date.now() });
  };
  context.on('request', onRequest);
  t.after(() => context.off('request', onRequest));

  const tabs = await openSignedInTabs(context, stack, 'lou');
  assert.equal(issued.length, 1, 'one refresh token issued');
  const refreshToken = issued[0];
  assert.ok((await stack.provider.RefreshToken.find(refreshToken))?.isValid, 'the refresh token is valid before the logout');
  const [first, ...others] = tabs;

  await first.click(LOGOUT_BUTTON);
  // The provider's logout page, before the user confirms: the token is already revoked.
  const issuerOrigin = new URL(stack.issuer).origin;
  await first.waitForURL((url) => url.origin === issuerOrigin && url.pathname === '/session/end');
  const leftAt = Date.now();

  await Promise.all(others.map(async (page, index) => {
    await waitForStatus(page, 'signed-out');
    const logout = await waitForRecordedEvent(page, 'logout');
    assert.equal(logout.detail.reason, 'other-tab', `tab ${index + 2}: logout reason`);
    assert.equal(await page.locator(LOGIN_BUTTON).isEnabled(), true, `tab ${index + 2}: Log in is offered`);
    await assert.rejects(page.evaluate(() => window.__element.getAccessToken()), /login_required|not signed in/);
    const events = await readEvents(page);
    assert.deepEqual(events.filter((e) => e.type === 'error'), [], `tab ${index + 2}: no error`);
    assert.equal(events.filter((e) => e.type === 'logout').length, 1, `tab ${index + 2}: one logout event`);
  }));

  assert.equal(revocations.length, 1, `one revocation request: ${JSON.stringify(revocations.map((r) => r.method))}`);
  assert.equal(revocations[0].method, 'POST');
  assert.equal(revocations[0].token, refreshToken, 'the refresh token was sent to the revocation endpoint');
  assert.ok(revocations[0].at <= leftAt, 'revoked before leaving for the provider');
  assert.equal(await stack.provider.RefreshToken.find(refreshToken), undefined, 'the provider no longer knows the refresh token');
  const reuse = await refreshGrant(stack, refreshToken);
  assert.equal(reuse.status, 400, `the refresh token no longer works: ${JSON.stringify(reuse)}`);
  assert.equal(reuse.body.error, 'invalid_grant');

  // The tab that logged out comes back signed out; the session is gone from every tab for good.
  await confirmLogoutAtProvider(first, { issuer: stack.issuer });
  await waitForStatus(first, 'signed-out');
  const own = await waitForRecordedEvent(first, 'logout');
  assert.equal(own.detail.reason, 'user');
  assert.deepEqual((await readEvents(first)).filter((e) => e.type === 'error'), [], 'tab 1: no error');
  await others[0].reload();
  await waitForStatus(others[0], 'signed-out');
  assert.equal(
    (await readEvents(others[0])).filter((e) => e.type === 'login').length,
    1,
    'no session restored after a reload',
  );
});

test('each tab emits one token event per renewal, not two', { timeout: 45_000 }, async (t) => {
  const stack = dpopStack;
  const rotations = 2;
  const context = await browser.newContext();
  t.after(() => context.close());
  await captureTokens(context);
  const refreshes = [];
  onProvider(t, stack.provider, 'grant.success', (ctx) => {
    if (ctx.oidc.params.grant_type === 'refresh_token') refreshes.push(Date.now());
  });
  const tabs = await openSignedInTabs(context, stack, 'ted');
  // Which tab sent each refresh.
  const senders = [];
  for (const page of tabs) {
    const recorder = recordTokenRequests(page, stack.tokenEndpoint);
    t.after(() => recorder.stop());
    senders.push(recorder.requests);
  }

  const tokensPerTab = await poll(async () => {
    if (refreshes.length < rotations) return undefined;
    const perTab = await Promise.all(tabs.map((page) => readTokens(page)));
    const latest = perTab.map((tokens) => tokens.at(-1)?.accessToken);
    return latest.every((token) => token === latest[0]) ? perTab : undefined;
  }, { timeout: (rotations + 2) * ROTATION_TTL * 1000, interval: 100 });
  // Late duplicates come within milliseconds.
  await tabs[0].waitForTimeout(200);
  const final = await Promise.all(tabs.map((page) => readTokens(page)));
  assert.ok(final.every((tokens, i) => tokens.length >= tokensPerTab[i].length));

  const names = new Map();
  const name = (token) => names.get(token) ?? names.set(token, `T${names.size}`).get(token);
  final.flat().sort((a, b) => a.at - b.at).forEach((token) => name(token.accessToken));
  const sentBy = senders.map((requests) => requests.filter((r) => r.grantType === 'refresh_token').length);
  t.diagnostic(`refreshes sent per tab: ${sentBy.join(', ')}; token events: ${final.map((tokens, i) => `tab ${i + 1}: ${tokens.map((token) => name(token.accessToken)).join(' ')}`).join('; ')}`);
  for (const [index, tokens] of final.entries()) {
    const counts = {};
    for (const token of tokens) counts[name(token.accessToken)] = (counts[name(token.accessToken)] ?? 0) + 1;
    const repeated = Object.entries(counts).filter(([, count]) => count > 1);
    assert.deepEqual(
      repeated,
      [],
      `tab ${index + 1} (sent ${sentBy[index]} refreshes) emitted token more than once for the same access token: `
        + `${tokens.map((token) => name(token.accessToken)).join(' ')}`,
    );
  }
});
