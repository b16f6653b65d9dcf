// Many APIs and step-up (issue 15), end to end: the real oidc-provider with resource indicators
// (RFC 8707: two resource servers, JWT access tokens) and acr values, two loopback APIs that each
// verify the token's signature, issuer and `aud` (scripts/resource-api.mjs), and a third server
// that is listed nowhere. One login; `el.fetch()` picks the API's entry and its token; a step-up
// challenge (RFC 9470) from one API goes through `el.stepUp()` to a token with the demanded acr.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import {
  launchBrowser, startStack, loginThroughProvider, signInAtProvider, recordTokenRequests, readEvents, describePage,
  waitForRecordedEvent, waitForStatus,
} from './harness.mjs';
import { assignDemoAcr, demoProviderOverrides, DEMO_ACR, DEMO_RESOURCES, startResourceApi } from '../../scripts/resource-api.mjs';

// The provider settings, the acr values and the resources are the demo's (scripts/resource-api.mjs).
const { one: ONE, two: TWO } = DEMO_RESOURCES;
const { password: PASSWORD, mfa: MFA } = DEMO_ACR;

let browser;
let stack;
let one;
let two;
let third;

/** A server listed nowhere: it only counts what reaches it. */
async function startUnlisted() {
  const requests = [];
  const server = createServer((req, res) => {
    requests.push({ method: req.method, path: req.url, authorization: req.headers.authorization ?? null });
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.end('{}');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    requests,
    close: () => new Promise((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}

before(async () => {
  [browser, stack] = await Promise.all([launchBrowser(), startStack({ configOverrides: await demoProviderOverrides() })]);
  assignDemoAcr(stack.provider);
  const common = { allowOrigin: stack.appOrigin, issuer: stack.issuer, jwksUri: stack.metadata.jwks_uri };
  [one, two, third] = await Promise.all([
    startResourceApi({ ...common, resource: ONE, stepUp: { path: '/admin', acrValues: MFA, maxAge: 300 } }),
    startResourceApi({ ...common, resource: TWO }),
    startUnlisted(),
  ]);
});

after(async () => {
  await Promise.all([browser?.close(), stack?.close(), one?.close(), two?.close(), third?.close()]);
});

/** The page's `apis`: API one on its whole origin, API two under /v2/ only. */
function apis() {
  return {
    [`${one.origin}/`]: { resource: ONE, scope: 'read:one' },
    [`${two.origin}/v2/`]: { resource: TWO, scope: 'read:two' },
  };
}

/** Keeps every `token` event's detail (full tokens, memory only) in `window.__apiTokens`. */
function captureApiTokens(context) {
  return context.addInitScript(() => {
    window.__apiTokens = [];
    document.addEventListener('token', (event) => window.__apiTokens.push(event.detail));
  });
}

/** `el.fetch(url)` in the page: the status and JSON body, or the rejection's code. */
function elementFetch(page, url) {
  return page.evaluate(async (url) => {
    try {
      const response = await window.__element.fetch(url);
      return { status: response.status, body: await response.json().catch(() => null) };
    } catch (error) {
      return { rejected: error.code, message: error.message };
    }
  }, url);
}

/** Signs in on a page configured with `apis` (and `params`); the page and the token requests seen from then on. */
async function signedIn(t, login, params = {}) {
  const context = await browser.newContext();
  t.after(() => context.close());
  await captureApiTokens(context);
  const page = await context.newPage();
  const authorizations = [];
  context.on('request', (request) => {
    const url = new URL(request.url());
    // Authorization requests, not the provider's resumes after its login form (/auth/<uid>).
    if (`${url.origin}${url.pathname}` === stack.metadata.authorization_endpoint) authorizations.push(url);
  });
  await loginThroughProvider(page, stack, login, { apis: JSON.stringify(apis()), ...params });
  await waitForRecordedEvent(page, 'login');
  return { context, page, authorizations, tokenRequests: recordTokenRequests(context, stack.tokenEndpoint) };
}

test('one login gives tokens for two resources, each accepted only by its own API; the refresh token stays one chain', { timeout: 60_000 }, async (t) => {
  // API two's origin is in api-origins too: outside its /v2/ entry, the element's own token goes there.
  const { page, authorizations, tokenRequests } = await signedIn(t, 'ada', { api_origins: `${stack.appOrigin} ${two.origin}` });
  const [authorization] = authorizations;
  assert.deepEqual(authorization.searchParams.getAll('resource').sort(), [ONE, TWO], 'the login names both resources (RFC 8707 §2)');
  assert.deepEqual(authorization.searchParams.get('scope').split(' ').sort(), ['email', 'offline_access', 'openid', 'profile', 'read:one', 'read:two']);

  const fromOne = await elementFetch(page, `${one.origin}/items`);
  assert.equal(fromOne.status, 200, `API one accepted its token: ${JSON.stringify(fromOne)} ${JSON.stringify(one.requests)}`);
  assert.deepEqual(fromOne.body, { ok: true, aud: ONE, scope: 'read:one', acr: PASSWORD });
  const fromTwo = await elementFetch(page, `${two.origin}/v2/items?x=1`);
  assert.equal(fromTwo.status, 200, `API two accepted its token: ${JSON.stringify(fromTwo)} ${JSON.stringify(two.requests)}`);
  assert.deepEqual(fromTwo.body, { ok: true, aud: TWO, scope: 'read:two', acr: PASSWORD });
  // Again: the tokens are kept, no new grant.
  assert.equal((await elementFetch(page, `${one.origin}/items/2`)).status, 200);

  // One refresh grant per API, each with its resource and scope; nothing else.
  const grants = tokenRequests.requests.map((r) => r.grantType);
  assert.deepEqual(grants, ['refresh_token', 'refresh_token'], 'one grant per API');

  // The token events say which API each token is for; the element's own token has no `api`.
  const tokens = await page.evaluate(() => window.__apiTokens);
  const own = tokens.filter((d) => !('api' in d));
  const forOne = tokens.filter((d) => d.api?.resource === ONE);
  const forTwo = tokens.filter((d) => d.api?.resource === TWO);
  assert.equal(own.length, 1, 'one token event for the login');
  assert.equal(forOne.length, 1);
  assert.equal(forTwo.length, 1);
  assert.deepEqual(forOne[0].api, { resource: ONE, scope: 'read:one' });
  assert.equal(forOne[0].scope, 'read:one');
  assert.equal(one.requests[0].token, forOne[0].accessToken, 'API one received the token of its event');
  assert.equal(two.requests[0].token, forTwo[0].accessToken, 'API two received the token of its event');
  assert.notEqual(forOne[0].accessToken, own[0].accessToken);

  // Each token is accepted only by its own API: crossed, or the element's own, they are refused.
  const call = async (api, path, token) => (await fetch(`${api.origin}${path}`, { headers: { authorization: `Bearer ${token}` } })).status;
  assert.equal(await call(one, '/items', forTwo[0].accessToken), 401, "API one refuses API two's token");
  assert.equal(await call(two, '/v2/items', forOne[0].accessToken), 401, "API two refuses API one's token");
  assert.equal(await call(one, '/items', own[0].accessToken), 401, "API one refuses the element's own token");
  assert.equal(await call(two, '/v2/items', own[0].accessToken), 401, "API two refuses the element's own token");
  assert.match(one.requests.at(-1).reason, /not a JWT .* for urn:example:api-one/);

  // An API that refuses its token (revoked there, say): a new one is asked for, with the newest
  // refresh token. oidc-provider rotates refresh tokens and revokes the whole grant when an old one
  // comes back, so this and the element's own renewal below succeed only on one unbroken chain.
  one.refuseNext();
  const retried = await elementFetch(page, `${one.origin}/items/3`);
  assert.equal(retried.status, 200, `sent again with a new token: ${JSON.stringify(retried)}`);
  assert.deepEqual(tokenRequests.requests.map((r) => r.grantType), ['refresh_token', 'refresh_token', 'refresh_token']);
  // The element's own token on API two's origin outside /v2/: API two refuses it (not its
  // audience), so the element renews its own token (a fourth grant, without resource) and sends it again.
  const ownOutside = await elementFetch(page, `${two.origin}/v1/whoami`);
  assert.equal(ownOutside.status, 401, JSON.stringify(ownOutside));
  const outside = two.requests.filter((r) => r.path === '/v1/whoami');
  assert.equal(outside.length, 2, 'sent, renewed, sent again');
  assert.equal(outside[0].token, own[0].accessToken, "the element's own token went there");
  assert.deepEqual(tokenRequests.requests.map((r) => r.grantType), ['refresh_token', 'refresh_token', 'refresh_token', 'refresh_token']);
  const after = await page.evaluate(() => window.__apiTokens);
  assert.equal(after.filter((d) => d.api?.resource === ONE).length, 2, 'a token event for the new token of API one');
  assert.equal(after.filter((d) => !('api' in d)).length, 2, "a token event for the element's renewed token");
  assert.equal(outside[1].token, after.filter((d) => !('api' in d))[1].accessToken);
  assert.equal(await page.evaluate(() => window.__element.status), 'signed-in');
  assert.equal((await elementFetch(page, `${two.origin}/v2/again`)).status, 200, 'API two still works');
  assert.deepEqual((await readEvents(page)).filter((e) => e.type === 'error' || e.type === 'logout'), [], `no error, no logout: ${await describePage(page)}`);

  // After a reload the API tokens come from the stored session, with no grant.
  const before = tokenRequests.requests.length;
  await page.reload();
  await waitForStatus(page, 'signed-in');
  assert.equal((await elementFetch(page, `${one.origin}/items/4`)).status, 200);
  assert.equal((await elementFetch(page, `${two.origin}/v2/items/4`)).status, 200);
  assert.equal(tokenRequests.requests.length, before, 'no token request after the reload');
  t.diagnostic(`API one saw ${JSON.stringify(one.requests.map((r) => [r.method, r.path, r.status, r.aud, r.scope, r.acr]))}`);
  t.diagnostic(`API two saw ${JSON.stringify(two.requests.map((r) => [r.method, r.path, r.status, r.aud, r.scope, r.acr]))}`);
});

test('el.fetch() to a third origin that no apis entry or api-origins lists sends nothing; a path outside an entry neither', { timeout: 45_000 }, async (t) => {
  const { context, page } = await signedIn(t, 'bea');
  const twoBefore = two.requests.length;
  const seen = [];
  context.on('request', (request) => {
    if (request.url().startsWith(third.origin) || request.url().startsWith(`${two.origin}/v1`)) seen.push(request.url());
  });
  const outcome = await elementFetch(page, `${third.origin}/data`);
  assert.equal(outcome.rejected, 'origin_not_allowed', JSON.stringify(outcome));
  // API two is listed under /v2/ only.
  const outside = await elementFetch(page, `${two.origin}/v1/data`);
  assert.equal(outside.rejected, 'origin_not_allowed', JSON.stringify(outside));
  assert.deepEqual(third.requests, [], 'the third origin was never contacted');
  assert.deepEqual(seen, [], 'the browser sent nothing there');
  assert.deepEqual(two.requests.slice(twoBefore), []);
  // The global fetch reaches it, with no token.
  await page.evaluate((url) => fetch(url).then((r) => r.text()), `${third.origin}/plain`);
  assert.deepEqual(third.requests.map((r) => r.authorization), [null]);
});

test('a step-up challenge from API one leads through stepUp() to a token with the demanded acr, and the retried call succeeds', { timeout: 60_000 }, async (t) => {
  const { page, authorizations } = await signedIn(t, 'cy');
  const first = await elementFetch(page, `${one.origin}/admin/report`);
  assert.equal(first.status, 401, `the API demands more: ${JSON.stringify(first)} ${JSON.stringify(one.requests.slice(-3))}`);
  assert.equal(first.body.error, 'insufficient_user_authentication', 'the 401 response is given back unchanged');
  const error = await waitForRecordedEvent(page, 'error');
  assert.equal(error.detail.code, 'insufficient_user_authentication');
  assert.deepEqual(error.detail.challenge, { acrValues: MFA, maxAge: 300 });
  assert.equal(await page.evaluate(() => window.__element.status), 'signed-in', 'still signed in');
  const refused = one.requests.filter((r) => r.path === '/admin/report');
  assert.equal(refused.length, 1, 'sent once: a new token would not help, so none was asked for');
  assert.equal(refused[0].acr, PASSWORD);

  // The page calls stepUp() with the challenge: a redirect login asking for the acr and max_age.
  await page.evaluate((challenge) => void window.__element.stepUp(challenge), error.detail.challenge);
  const { prompts } = await signInAtProvider(page, 'cy');
  assert.ok(prompts.includes('login'), `the provider asked the user to sign in again: ${prompts}`);
  await waitForStatus(page, 'signed-in');
  const stepUp = authorizations.at(-1);
  assert.equal(stepUp.searchParams.get('acr_values'), MFA);
  assert.equal(stepUp.searchParams.get('max_age'), '300');

  const retried = await elementFetch(page, `${one.origin}/admin/report`);
  assert.equal(retried.status, 200, `the retried call succeeds: ${JSON.stringify(retried)} ${JSON.stringify(one.requests.at(-1))}`);
  assert.equal(retried.body.acr, MFA);
  const idTokenAcr = await page.evaluate(() => window.__element.user.acr);
  assert.equal(idTokenAcr, MFA, "the ID token's acr");
  assert.deepEqual((await readEvents(page)).filter((e) => e.type === 'error' && e.detail.code !== 'insufficient_user_authentication'), []);
  t.diagnostic(`API one saw ${JSON.stringify(one.requests.filter((r) => r.path.startsWith('/admin')).map((r) => [r.path, r.status, r.acr]))}`);
});
