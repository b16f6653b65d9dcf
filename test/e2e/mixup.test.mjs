// Issue 12, finding 1: mix-up attack on a shared callback page (RFC 9700 §4.4, SPEC §8.9).
//
// Two real oidc-provider instances: the stack's provider is the honest one, a second instance
// plays the attacker (or, in the legitimate cases, a second honest provider). Neither sends `iss`
// (RFC 9207) nor advertises `authorization_response_iss_parameter_supported`: oidc-provider 9
// always does both, so an `authorization.success` listener takes `iss` out of each provider's
// authorization response (server side) and a Playwright route takes the field out of the
// discovery documents. The attacker's authorization endpoint forwards the browser to the
// honest one as the honest client, with the same state, challenge and redirect URI.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startProvider } from '../../scripts/provider.mjs';
import { useBrowserAndStack, signInAtProvider, recordTokenRequests, readEvents, poll } from './harness.mjs';

const env = useBrowserAndStack();
const PAGES = '/test/e2e/pages/';
const SECOND_CLIENT_ID = 'second-client';

/** The second provider, its discovery document, and the requests its token endpoint received. */
const second = { issuer: '', metadata: {}, tokenRequests: 0, close: async () => {} };
/** Requests the honest provider's token endpoint received. */
const honest = { tokenRequests: 0 };

/**
 * Takes `iss` out of the provider's authorization responses (oidc-provider emits this event with
 * the response parameters just before redirecting), and counts its token endpoint requests
 * (every one ends in `grant.success` or `grant.error`).
 */
function withoutIss(provider, counter) {
  provider.on('authorization.success', (ctx, out) => {
    delete out.iss;
  });
  for (const event of ['grant.success', 'grant.error']) provider.on(event, () => (counter.tokenRequests += 1));
}

before(async () => {
  const { appOrigin } = await poll(() => env.stack);
  const op = await startProvider({
    clients: [{
      client_id: SECOND_CLIENT_ID,
      application_type: 'web',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: ['shared-callback.html', 'shared-callback-b.html'].map((page) => `${appOrigin}${PAGES}${page}`),
    }],
  });
  withoutIss(op.provider, second);
  withoutIss(env.stack.provider, honest);
  Object.assign(second, {
    issuer: op.issuer,
    metadata: await (await fetch(`${op.issuer}/.well-known/openid-configuration`)).json(),
    close: op.close,
  });
});
after(() => second.close());

/**
 * A fresh browser context where neither provider sends `iss` nor advertises it, with a console
 * listener: the `<pkce-login>` warnings, with the time they were printed.
 */
async function contextWithoutIss(t) {
  const context = await env.browser.newContext();
  t.after(() => context.close());
  for (const issuer of [env.stack.issuer, second.issuer]) {
    await context.route(`${issuer}/.well-known/openid-configuration`, async (route) => {
      const response = await route.fetch();
      const json = await response.json();
      delete json.authorization_response_iss_parameter_supported;
      await route.fulfill({ response, json });
    });
  }
  const page = await context.newPage();
  const warnings = [];
  page.on('console', (message) => {
    if (message.type() === 'warning' && message.text().includes('<pkce-login>')) warnings.push({ text: message.text(), at: Date.now() });
  });
  return { context, page, warnings };
}

/** The honest widget and the second provider's widget, with extra attributes each. */
function widgets(honest = {}, other = {}) {
  return [
    { issuer: env.stack.issuer, 'client-id': env.stack.clientId, ...honest },
    { issuer: second.issuer, 'client-id': SECOND_CLIENT_ID, ...other },
  ];
}

function pageUrl(page, list) {
  return `${env.stack.appOrigin}${PAGES}${page}?${new URLSearchParams({ widgets: JSON.stringify(list) })}`;
}

const status = (page, index) => page.evaluate((i) => window.__elements[i]?.status, index);

async function waitForWidgetStatus(page, index, wanted) {
  await poll(async () => (await status(page, index)) === wanted, {
    describe: async () => `widget ${index}: ${await status(page, index)}; events ${JSON.stringify(await readEvents(page))}`,
  });
}

/** Waits for `count` warnings, then a little more: no other one follows. */
async function waitForWarnings(warnings, count) {
  await poll(() => warnings.length >= count || undefined, { describe: () => `warnings: ${JSON.stringify(warnings)}` });
  await sleep(500);
}

test('mix-up on a shared redirect URI: the attacker widget reports iss_mismatch, no request reaches its token endpoint, the honest code is not redeemed, one warning', { timeout: 60_000 }, async (t) => {
  const { context, page, warnings } = await contextWithoutIss(t);
  // The attacker's authorization endpoint sends the browser on to the honest one, as the honest
  // client, with the same state, challenge, nonce and redirect URI.
  const forwarded = [];
  await context.route((url) => url.href.startsWith(second.metadata.authorization_endpoint), async (route) => {
    const target = new URL(env.stack.metadata.authorization_endpoint);
    for (const [name, value] of new URL(route.request().url()).searchParams) target.searchParams.set(name, value);
    target.searchParams.set('client_id', env.stack.clientId);
    forwarded.push(target.href);
    await route.fulfill({ status: 302, headers: { location: target.href } });
  });
  const honestTokens = recordTokenRequests(context, env.stack.tokenEndpoint);
  const attackerTokens = recordTokenRequests(context, second.metadata.token_endpoint);
  const attackerTokensBefore = second.tokenRequests;
  const honestTokensBefore = honest.tokenRequests;

  await page.goto(pageUrl('shared-callback.html', widgets()));
  await waitForWidgetStatus(page, 1, 'signed-out');
  await waitForWarnings(warnings, 1);
  assert.equal(warnings.length, 1, `one warning at configuration: ${JSON.stringify(warnings)}`);
  const [warning] = warnings;
  assert.match(warning.text, new RegExp(`${PAGES}shared-callback\\.html`), 'names the redirect URI');
  assert.ok(warning.text.includes(env.stack.issuer) && warning.text.includes(second.issuer), `names both issuers: ${warning.text}`);
  assert.match(warning.text, /redirect-uri/, 'says a distinct redirect-uri per issuer is the fix');

  // The user picks the attacker's widget.
  await page.locator('pkce-login').nth(1).locator('button[part~="login"]').click();
  const { callbackUrl } = await signInAtProvider(page, 'victim');
  assert.equal(forwarded.length, 1, 'the attacker forwarded the browser to the honest provider');
  assert.ok(callbackUrl?.startsWith(`${env.stack.appOrigin}${PAGES}shared-callback.html?`), `the honest provider answered: ${callbackUrl}`);
  const code = new URL(callbackUrl).searchParams.get('code');
  assert.ok(code, 'with a code');
  assert.equal(new URL(callbackUrl).searchParams.has('iss'), false, 'and no iss');

  await poll(async () => (await readEvents(page)).some((e) => e.type === 'error'), {
    describe: async () => JSON.stringify(await readEvents(page)),
  });
  await sleep(1000);
  const events = await readEvents(page);
  assert.deepEqual(
    events.map((e) => [e.widget, e.type, e.detail?.code]),
    [[1, 'error', 'iss_mismatch']],
    `exactly one error, iss_mismatch, from the attacker widget: ${JSON.stringify(events)}`,
  );
  assert.ok(events[0].detail.message.includes(env.stack.issuer), `names the issuer it shares the redirect URI with: ${events[0].detail.message}`);
  assert.deepEqual(attackerTokens.requests, [], 'the browser sent nothing to the attacker token endpoint');
  assert.equal(second.tokenRequests - attackerTokensBefore, 0, 'the attacker token endpoint received no request');
  assert.deepEqual(honestTokens.requests, [], 'no token request at the honest provider either');
  assert.equal(honest.tokenRequests - honestTokensBefore, 0, 'the honest token endpoint received no request');
  const stored = await env.stack.provider.AuthorizationCode.find(code);
  assert.ok(stored, 'the honest code is still known to the honest provider');
  assert.ok(!stored.consumed, 'the honest code was never redeemed');
  for (const index of [0, 1]) assert.equal(await status(page, index), 'signed-out');
  assert.equal(new URL(page.url()).searchParams.has('code'), false, 'the response left the address bar');
  // The callback page warns once again (once per page), never more.
  await waitForWarnings(warnings, 2);
  assert.equal(warnings.length, 2, `one warning per page: ${JSON.stringify(warnings)}`);
  assert.deepEqual(await page.evaluate(() => window.__pageErrors), []);
});

test('a single widget whose provider sends no iss still signs in (its redirect URI is not shared)', { timeout: 60_000 }, async (t) => {
  const { context, page, warnings } = await contextWithoutIss(t);
  const tokens = recordTokenRequests(context, env.stack.tokenEndpoint);
  await page.goto(pageUrl('shared-callback.html', widgets().slice(0, 1)));
  await waitForWidgetStatus(page, 0, 'signed-out');
  await page.locator('pkce-login button[part~="login"]').click();
  const { callbackUrl } = await signInAtProvider(page, 'solo');
  assert.ok(callbackUrl && !new URL(callbackUrl).searchParams.has('iss'), `the provider sent no iss: ${callbackUrl}`);
  await waitForWidgetStatus(page, 0, 'signed-in');
  const events = await readEvents(page);
  assert.deepEqual(events.map((e) => e.type), ['token', 'login'], JSON.stringify(events));
  assert.equal(tokens.requests.filter((r) => r.grantType === 'authorization_code').length, 1);
  assert.deepEqual(warnings, [], 'nothing to warn about');
});

test('two widgets with distinct redirect-uris both sign in without iss', { timeout: 90_000 }, async (t) => {
  const { page, warnings } = await contextWithoutIss(t);
  const tokenRequestsBefore = [honest.tokenRequests, second.tokenRequests];
  const redirect = (name) => ({ 'redirect-uri': `${env.stack.appOrigin}${PAGES}${name}` });
  await page.goto(pageUrl('shared-callback.html', widgets(redirect('shared-callback.html'), redirect('shared-callback-b.html'))));
  await waitForWidgetStatus(page, 1, 'signed-out');

  await page.locator('pkce-login').nth(0).locator('button[part~="login"]').click();
  await signInAtProvider(page, 'first');
  await waitForWidgetStatus(page, 0, 'signed-in');
  await waitForWidgetStatus(page, 1, 'signed-out');

  await page.locator('pkce-login').nth(1).locator('button[part~="login"]').click();
  const { callbackUrl } = await signInAtProvider(page, 'second');
  assert.ok(callbackUrl?.startsWith(`${env.stack.appOrigin}${PAGES}shared-callback-b.html?`), callbackUrl);
  assert.equal(new URL(callbackUrl).searchParams.has('iss'), false, 'no iss');
  await waitForWidgetStatus(page, 1, 'signed-in');
  await waitForWidgetStatus(page, 0, 'signed-in');

  const events = await readEvents(page);
  assert.deepEqual(events.filter((e) => e.type === 'error'), [], JSON.stringify(events));
  assert.deepEqual(
    events.filter((e) => e.type === 'login' && !e.detail.restored).map((e) => [e.widget, e.detail.user.sub]),
    [[0, 'first'], [1, 'second']],
  );
  assert.deepEqual(warnings, [], 'distinct redirect URIs: nothing to warn about');
  // The counters of the first test see token requests: one code exchange at each provider.
  assert.deepEqual([honest.tokenRequests, second.tokenRequests].map((n, i) => n - tokenRequestsBefore[i]), [1, 1]);
});
