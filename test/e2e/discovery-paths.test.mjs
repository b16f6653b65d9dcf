// Discovery as real providers serve it (issue 13), in a real browser against a loopback server
// standing in for the provider's discovery: what the browser hands the element there cannot be
// built in a unit test (an opaque redirect, a network error for a response without CORS headers).
// - 13.1 django-oauth-toolkit: the slash-less OpenID Connect URL answers a 301 to the slashed one;
// - 13.2 OpenAuth: the OpenID Connect URL answers a 404 without CORS headers, RFC 8414 works;
// - issue 14: nothing answers with CORS headers, and the message says what to do.
// The metadata served is the real provider's with the stand-in's issuer: a click must navigate to
// the real authorization endpoint.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { useBrowserAndStack, readEvents, describePage, waitForRecordedEvent, waitForStatus, LOGIN_BUTTON } from './harness.mjs';

const env = useBrowserAndStack();

/**
 * A loopback discovery server: `routes` maps a path to `(issuer) => { status, headers?, body? }`;
 * any other path is a 404. `cors` adds Access-Control-Allow-Origin for the app to every answer of
 * the paths it lists. Records the paths requested.
 */
async function startDiscovery(t, routes, cors) {
  const paths = [];
  let issuer = '';
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://host').pathname;
    paths.push(path);
    const answer = routes[path]?.(issuer) ?? { status: 404, body: 'not found' };
    if (cors.includes(path)) res.setHeader('Access-Control-Allow-Origin', env.stack.appOrigin);
    for (const [name, value] of Object.entries(answer.headers ?? {})) res.setHeader(name, value);
    res.statusCode = answer.status;
    res.end(answer.body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  t.after(() => new Promise((resolve) => server.close(resolve)));
  return { origin, paths, setIssuer: (value) => (issuer = value) };
}

/** The real provider's metadata, under `issuer`. */
const metadata = (issuer) => ({
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ ...env.stack.metadata, issuer }),
});

async function freshPage(t) {
  const context = await env.browser.newContext();
  t.after(() => context.close());
  return context.newPage();
}

/** Loads the element for `issuer`, clicks Log in, and waits for the real authorization endpoint. */
async function expectLoginNavigates(t, issuer) {
  const page = await freshPage(t);
  await page.goto(env.stack.pageUrl({ issuer }));
  await waitForStatus(page, 'signed-out');
  const authorize = new URL(env.stack.metadata.authorization_endpoint);
  const navigation = page.waitForRequest((request) => {
    const url = new URL(request.url());
    return request.isNavigationRequest() && url.origin === authorize.origin && url.pathname === authorize.pathname;
  }, { timeout: 10_000 });
  await page.click(LOGIN_BUTTON);
  await navigation.catch(async (error) => assert.fail(`${error.message}: ${await describePage(page)}`));
}

test('13.1: a redirect from the OpenID Connect URL is not followed; the slashed URL is tried (django-oauth-toolkit)', { timeout: 30_000 }, async (t) => {
  const oidc = '/o/.well-known/openid-configuration';
  const server = await startDiscovery(t, {
    [oidc]: () => ({ status: 301, headers: { location: `${oidc}/` } }),
    [`${oidc}/`]: metadata,
  }, [oidc, `${oidc}/`]);
  server.setIssuer(`${server.origin}/o`);
  await expectLoginNavigates(t, `${server.origin}/o`);
  // Once by the background discovery: the click used its result.
  assert.deepEqual(server.paths, [oidc, `${oidc}/`]);
});

test('13.2: RFC 8414 is tried after an OpenID Connect 404 without CORS headers (OpenAuth)', { timeout: 30_000 }, async (t) => {
  const rfc8414 = '/.well-known/oauth-authorization-server';
  const server = await startDiscovery(t, { [rfc8414]: metadata }, [rfc8414]);
  server.setIssuer(server.origin);
  await expectLoginNavigates(t, server.origin);
  assert.deepEqual(server.paths, ['/.well-known/openid-configuration', rfc8414]);
});

test('14: discovery without CORS headers names the URLs tried and the origin to allow', { timeout: 30_000 }, async (t) => {
  const server = await startDiscovery(t, { '/.well-known/openid-configuration': metadata, '/.well-known/oauth-authorization-server': metadata }, []);
  server.setIssuer(server.origin);
  const page = await freshPage(t);
  await page.goto(env.stack.pageUrl({ issuer: server.origin }));
  const error = await waitForRecordedEvent(page, 'error');
  assert.equal(error.detail.code, 'discovery_failed', await describePage(page));
  assert.equal(
    error.detail.message,
    `discovery of ${server.origin} failed: ${server.origin}/.well-known/openid-configuration and ` +
      `${server.origin}/.well-known/oauth-authorization-server could not be reached (Failed to fetch): ` +
      `the provider must allow ${env.stack.appOrigin} (CORS), else check the URL and that the provider is up`,
  );
  await waitForStatus(page, 'signed-out');
  assert.equal((await readEvents(page)).filter((e) => e.type === 'error').length, 1);
});
