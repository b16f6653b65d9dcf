// Pushed authorization requests (RFC 9126) against a real oidc-provider that requires them (and
// supports DPoP): the element pushes the parameters first and the browser leaves the page with
// only `client_id` and `request_uri`; a plain authorization request is refused by that provider.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useBrowserAndStack, loginThroughProvider, recordRequests, readEvents, describePage,
  waitForRecordedEvent, waitForStatus, LOGIN_BUTTON,
} from './harness.mjs';

const env = useBrowserAndStack({
  requirePar: true,
  configOverrides: { features: { dPoP: { enabled: true } } },
});

/** A fresh browser context and page, closed when the test ends. */
async function freshPage(t) {
  const context = await env.browser.newContext();
  t.after(() => context.close());
  return { context, page: await context.newPage() };
}

/** Requests to `endpoint` (URL without its query), with their answers kept for reading. */
function recordEndpoint(context, endpoint) {
  const target = new URL(endpoint);
  return recordRequests(context, (url) => url.origin === target.origin && url.pathname === target.pathname);
}

test('the provider requires PAR and advertises its endpoint', () => {
  const { metadata } = env.stack;
  assert.equal(metadata.require_pushed_authorization_requests, true);
  assert.match(metadata.pushed_authorization_request_endpoint ?? '', /^http:\/\/127\.0\.0\.1:\d+\//);
});

test('a login pushes the parameters first and sends the browser with only client_id and request_uri', { timeout: 30_000 }, async (t) => {
  const { metadata, clientId } = env.stack;
  const { context, page } = await freshPage(t);
  const authorizations = recordEndpoint(context, metadata.authorization_endpoint);
  t.after(() => authorizations.stop());
  const pushes = [];
  const onRequest = (request) => {
    if (request.url() === metadata.pushed_authorization_request_endpoint) pushes.push(request);
  };
  context.on('request', onRequest);
  t.after(() => context.off('request', onRequest));

  await loginThroughProvider(page, env.stack, 'pia');
  await waitForRecordedEvent(page, 'login');
  const events = await readEvents(page);
  assert.deepEqual(events.filter((e) => e.type === 'error'), [], `no error; ${await describePage(page)}`);
  assert.equal(events.find((e) => e.type === 'login')?.detail.user.sub, 'pia');

  // One push, from the page, carrying the whole authorization request.
  assert.equal(pushes.length, 1, 'one pushed authorization request');
  const [push] = pushes;
  assert.equal(push.method(), 'POST');
  assert.equal(push.frame(), page.mainFrame(), 'pushed by the page itself');
  const pushed = new URLSearchParams(push.postData() ?? '');
  assert.equal(pushed.get('client_id'), clientId);
  assert.equal(pushed.get('response_type'), 'code');
  assert.equal(pushed.get('redirect_uri'), env.stack.pageUrl().split('?')[0]);
  assert.equal(pushed.get('code_challenge_method'), 'S256');
  assert.match(pushed.get('code_challenge') ?? '', /^[A-Za-z0-9_-]{43}$/);
  assert.match(pushed.get('state') ?? '', /^[A-Za-z0-9_-]{43}$/);
  assert.match(pushed.get('nonce') ?? '', /^[A-Za-z0-9_-]{43}$/);
  assert.match(pushed.get('scope') ?? '', /\bopenid\b/);
  assert.match(pushed.get('dpop_jkt') ?? '', /^[A-Za-z0-9_-]{43}$/, 'the DPoP key thumbprint is pushed with the rest');
  assert.equal((await push.response())?.status(), 201, 'the provider accepted the push');

  // The browser left the page for the authorization endpoint with the reference only.
  const outgoing = authorizations.requests.filter((r) => r.navigation);
  assert.equal(outgoing.length, 1, `one authorization request: ${JSON.stringify(outgoing)}`);
  const sent = new URL(outgoing[0].url).searchParams;
  assert.deepEqual([...sent.keys()].sort(), ['client_id', 'request_uri'], `only client_id and request_uri: ${outgoing[0].url}`);
  assert.equal(sent.get('client_id'), clientId);
  assert.match(sent.get('request_uri') ?? '', /^urn:ietf:params:oauth:request_uri:/, "the provider's reference");

  // The code was bound to the pushed DPoP key: the tokens are DPoP tokens.
  assert.equal(events.find((e) => e.type === 'token')?.detail.tokenType, 'DPoP');
});

test('a plain authorization request to this provider is refused', { timeout: 30_000 }, async (t) => {
  const { metadata, issuer } = env.stack;
  const { context, page } = await freshPage(t);
  const authorizations = recordEndpoint(context, metadata.authorization_endpoint);
  t.after(() => authorizations.stop());
  // Explicit endpoints: no discovery, so the element does not know PAR is required.
  await page.goto(env.stack.pageUrl({
    authorization_endpoint: metadata.authorization_endpoint,
    token_endpoint: metadata.token_endpoint,
  }));
  await waitForStatus(page, 'signed-out');
  await page.click(LOGIN_BUTTON);
  const error = await waitForRecordedEvent(page, 'error');

  const sent = new URL(authorizations.requests[0]?.url ?? 'about:blank').searchParams;
  assert.equal(sent.has('request_uri'), false, 'a plain authorization request');
  assert.ok(sent.has('code_challenge') && sent.has('state'), 'with its parameters in the address');
  assert.equal(error.detail.code, 'invalid_request', `refused by ${issuer}; ${await describePage(page)}`);
  assert.match(error.detail.description ?? '', /Pushed Authorization Request must be used/);
  await waitForStatus(page, 'signed-out');
  assert.equal(await page.locator(LOGIN_BUTTON).isEnabled(), true, 'Log in stays usable');
});
