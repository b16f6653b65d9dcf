// Security review, issue 12, finding 4: `el.fetch()` attaches the access token only to the
// origins of `api-origins` (default: the page's). A request anywhere else (an absolute URL, a
// Request object, a relative URL under an injected <base href>) rejects with
// `origin_not_allowed` and is never sent; a 401 from such an origin cannot trigger a refresh.
// Real oidc-provider, real login, real Chromium, two loopback APIs that count every request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import {
  useBrowserAndStack, loginThroughProvider, recordRequests, recordTokenRequests, captureTokens, readTokens,
  readEvents, describePage, waitForRecordedEvent, waitForStatus,
} from './harness.mjs';

const env = useBrowserAndStack();

/**
 * A loopback API on a port of its own (so an origin of its own). It records every request,
 * preflights included, and answers `status` (settable): 200 with a JSON body, or 401 with a
 * Bearer `invalid_token` challenge. CORS open to the app.
 */
async function startApi(t, status = 200) {
  const api = { requests: [], status, origin: '' };
  const server = createServer((req, res) => {
    api.requests.push({ method: req.method, path: req.url, authorization: req.headers.authorization ?? null });
    res.setHeader('Access-Control-Allow-Origin', env.stack.appOrigin);
    res.setHeader('Access-Control-Allow-Headers', 'Authorization, DPoP, Content-Type');
    res.setHeader('Access-Control-Allow-Methods', 'GET, POST');
    res.setHeader('Access-Control-Expose-Headers', 'WWW-Authenticate');
    if (req.method === 'OPTIONS') {
      res.statusCode = 204;
      return res.end();
    }
    req.resume();
    res.setHeader('Content-Type', 'application/json');
    if (api.status === 401) {
      res.statusCode = 401;
      res.setHeader('WWW-Authenticate', 'Bearer error="invalid_token"');
      return res.end('{"error":"invalid_token"}');
    }
    res.end('{"ok":true}');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  api.origin = `http://127.0.0.1:${server.address().port}`;
  t.after(() => new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  }));
  return api;
}

/** Signs in on a page whose element has `params` (e.g. `api_origins`); returns the page and its access token. */
async function signedIn(t, params) {
  const context = await env.browser.newContext();
  t.after(() => context.close());
  await captureTokens(context);
  const page = await context.newPage();
  await loginThroughProvider(page, env.stack, 'alice', params);
  await waitForRecordedEvent(page, 'login');
  const tokens = await readTokens(page);
  return { context, page, accessToken: tokens.at(-1).accessToken };
}

/**
 * Runs `el.fetch(...)` in the page as `how` says; resolves to the response's status, or to the
 * rejection's name and code.
 */
function pageFetch(page, how, url) {
  return page.evaluate(async ({ how, url }) => {
    const el = window.__element;
    try {
      let response;
      if (how === 'url') response = await el.fetch(url);
      else if (how === 'URL object') response = await el.fetch(new URL(url));
      else if (how === 'Request') response = await el.fetch(new Request(url, { method: 'POST', body: 'payload' }));
      else if (how === 'base href') {
        // An injected <base href> to the other origin, then a relative URL.
        const base = document.createElement('base');
        base.href = url;
        document.head.prepend(base);
        try {
          response = await el.fetch('steal?x=1');
        } finally {
          base.remove();
        }
      }
      return { status: response.status };
    } catch (error) {
      return { rejected: true, name: error.name, code: error.code, message: error.message, isError: error instanceof Error };
    }
  }, { how, url });
}

test('fetch() sends the token to an origin of api-origins, and refuses any other origin without contacting it', { timeout: 45_000 }, async (t) => {
  const [allowed, other] = await Promise.all([startApi(t), startApi(t)]);
  const { context, page, accessToken } = await signedIn(t, { api_origins: allowed.origin });
  const browserToOther = recordRequests(context, (url) => url.origin === other.origin);

  assert.deepEqual(await pageFetch(page, 'url', `${allowed.origin}/data`), { status: 200 });
  const sent = allowed.requests.filter((r) => r.method === 'GET');
  assert.equal(sent.length, 1);
  assert.ok(sent[0].authorization?.endsWith(` ${accessToken}`), `the allowed API got the access token: ${sent[0].authorization}`);

  for (const how of ['url', 'URL object', 'Request', 'base href']) {
    const url = how === 'base href' ? `${other.origin}/` : `${other.origin}/steal`;
    const outcome = await pageFetch(page, how, url);
    assert.equal(outcome.rejected, true, `${how}: rejected (${JSON.stringify(outcome)})`);
    assert.equal(outcome.name, 'PkceLoginError', how);
    assert.equal(outcome.code, 'origin_not_allowed', how);
    assert.equal(outcome.isError, true, how);
  }
  assert.deepEqual(other.requests, [], 'the other origin was never contacted, not even a preflight');
  assert.deepEqual(browserToOther.requests, [], 'the browser sent nothing to the other origin');
  assert.equal(allowed.requests.filter((r) => r.method !== 'OPTIONS').length, 1, 'nothing more went to the allowed API either');

  const events = await readEvents(page);
  assert.deepEqual(events.filter((e) => e.type === 'error'), [], 'a refused fetch() rejects; it is no error event');
  assert.equal(await page.evaluate(() => window.__element.status), 'signed-in');
  assert.deepEqual(await page.evaluate(() => window.__pageErrors), []);
});

test('a 401 from an origin not in api-origins triggers no refresh grant; one from an allowed origin does', { timeout: 45_000 }, async (t) => {
  const [allowed, other] = await Promise.all([startApi(t, 401), startApi(t, 401)]);
  const { context, page } = await signedIn(t, { api_origins: allowed.origin });
  const tokenRequests = recordTokenRequests(context, env.stack.tokenEndpoint);

  const refused = await pageFetch(page, 'url', `${other.origin}/data`);
  assert.equal(refused.code, 'origin_not_allowed', JSON.stringify(refused));
  assert.deepEqual(other.requests, [], 'never contacted');
  assert.deepEqual(tokenRequests.requests.map((r) => r.grantType), [], 'no refresh grant');

  // The control: the same 401 from the allowed origin renews once and sends the request again.
  assert.deepEqual(await pageFetch(page, 'url', `${allowed.origin}/data`), { status: 401 });
  assert.deepEqual(tokenRequests.requests.map((r) => r.grantType), ['refresh_token'], 'one refresh grant');
  assert.equal(allowed.requests.filter((r) => r.method === 'GET').length, 2, 'sent, then sent again with the new token');
  assert.deepEqual(other.requests, []);
});

test('without api-origins the token goes to the page\'s origin only', { timeout: 45_000 }, async (t) => {
  const other = await startApi(t);
  const { context, page, accessToken } = await signedIn(t, {});
  const sameOrigin = recordRequests(context, (url) => url.origin === env.stack.appOrigin && url.pathname === '/test/e2e/pages/element.js');
  const headers = [];
  context.on('request', (request) => {
    if (new URL(request.url()).pathname === '/test/e2e/pages/element.js') headers.push(request.headers().authorization);
  });

  assert.deepEqual(await pageFetch(page, 'url', '/test/e2e/pages/element.js'), { status: 200 });
  assert.equal(sameOrigin.requests.length, 1);
  assert.ok(headers[0]?.endsWith(` ${accessToken}`), `the page's origin got the token: ${headers[0]}`);

  const refused = await pageFetch(page, 'url', `${other.origin}/data`);
  assert.equal(refused.code, 'origin_not_allowed', JSON.stringify(refused));
  assert.deepEqual(other.requests, []);
});

test('a malformed api-origins, or one with a plain-http origin that is not loopback, is invalid_config naming it', { timeout: 30_000 }, async (t) => {
  const context = await env.browser.newContext();
  t.after(() => context.close());
  for (const value of ['http://api.example.com', 'https://api.example.com/v1', 'not-an-origin', `https://ok.example ${'ftp://x.example'}`]) {
    const page = await context.newPage();
    await page.goto(env.stack.pageUrl({ api_origins: value }));
    const error = await waitForRecordedEvent(page, 'error');
    assert.equal(error.detail.code, 'invalid_config', `${value}: ${await describePage(page)}`);
    assert.match(error.detail.message, /"api-origins"/, value);
    await waitForStatus(page, 'signed-out');
    assert.equal(await page.locator('pkce-login button[part~="login"]').isDisabled(), true, `${value}: the button is disabled`);
    await page.close();
  }
  // A valid list is accepted.
  const page = await context.newPage();
  await page.goto(env.stack.pageUrl({ api_origins: 'https://api.example.com http://127.0.0.1:8080/ http://localhost:3000' }));
  await waitForStatus(page, 'signed-out');
  assert.equal(await page.locator('pkce-login button[part~="login"]').isDisabled(), false);
  assert.deepEqual((await readEvents(page)).filter((e) => e.type === 'error'), []);
});
