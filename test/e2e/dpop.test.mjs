// DPoP (RFC 9449, issue 4): with DPoP advertised, the tokens are DPoP-bound (`tokenType: 'DPoP'`,
// `dpop_jkt` on the authorization request), and `el.fetch()` reaches a loopback API that verifies
// each proof and the token's binding at the provider, and refuses a replayed proof.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  launchBrowser, startStack, loginThroughProvider, recordRequests, readEvents, describePage,
  waitForRecordedEvent,
} from './harness.mjs';
import { createHash, randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { startDpopApi } from './dpop-api.mjs';

let browser;
let stack;
let api;

before(async () => {
  [browser, stack] = await Promise.all([
    launchBrowser(),
    startStack({ accessTokenTtl: 10, configOverrides: { features: { dPoP: { enabled: true } } } }),
  ]);
  api = await startDpopApi({
    allowOrigin: stack.appOrigin,
    findAccessToken: (token) => stack.provider.AccessToken.find(token),
  });
});

after(async () => {
  await Promise.all([browser?.close(), stack?.close(), api?.close()]);
});

/** A DPoP proof made here, with `overrides` applied to its claims (or header). */
async function nodeProof(key, { method = 'GET', url, accessToken, claims = {}, header = {} }) {
  const target = new URL(url);
  return new SignJWT({
    htm: method,
    htu: `${target.origin}${target.pathname}`,
    jti: randomUUID(),
    iat: Math.floor(Date.now() / 1000),
    ath: createHash('sha256').update(accessToken).digest('base64url'),
    ...claims,
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: await exportJWK(key.publicKey), ...header })
    .sign(key.privateKey);
}

/** `el.fetch(url, init)` in the page; the response's status and JSON body. */
function elementFetch(page, url, init) {
  return page.evaluate(async ([url, init]) => {
    const response = await window.__element.fetch(url, init);
    return { status: response.status, body: await response.json() };
  }, [url, init]);
}

test('with DPoP advertised, tokens are DPoP-bound and el.fetch() passes a verifying API, which refuses a replayed proof', { timeout: 30_000 }, async (t) => {
  const { metadata } = stack;
  assert.ok(Array.isArray(metadata.dpop_signing_alg_values_supported), 'the discovery document lists dpop_signing_alg_values_supported');
  assert.ok(metadata.dpop_signing_alg_values_supported.includes('ES256'));

  const context = await browser.newContext();
  t.after(() => context.close());
  const authorizeUrl = new URL(metadata.authorization_endpoint);
  const authorizations = recordRequests(context, (url) => url.origin === authorizeUrl.origin && url.pathname === authorizeUrl.pathname);
  t.after(() => authorizations.stop());
  // Proof headers on the requests to the provider's token and userinfo endpoints.
  const providerRequests = [];
  const onRequest = async (request) => {
    const url = request.url();
    if (url !== metadata.token_endpoint && url !== metadata.userinfo_endpoint) return;
    const headers = await request.allHeaders();
    providerRequests.push({ url, dpop: headers.dpop, scheme: headers.authorization?.split(' ')[0] });
  };
  context.on('request', onRequest);
  t.after(() => context.off('request', onRequest));

  const page = await context.newPage();
  // The API's origin is the one el.fetch() may send the token to.
  await loginThroughProvider(page, stack, 'dora', { api_origins: api.origin });
  await waitForRecordedEvent(page, 'login');

  // The authorization request binds the code to the key.
  assert.equal(authorizations.requests.length, 1, 'one authorization request');
  const jkt = new URL(authorizations.requests[0].url).searchParams.get('dpop_jkt');
  assert.match(jkt ?? '', /^[A-Za-z0-9_-]{43}$/, 'the authorization request carried dpop_jkt (a SHA-256 JWK thumbprint)');

  const events = await readEvents(page);
  const token = events.find((e) => e.type === 'token');
  assert.equal(token?.detail.tokenType, 'DPoP', `the token event's tokenType; ${await describePage(page)}`);
  const exchange = providerRequests.find((r) => r.url === metadata.token_endpoint);
  assert.ok(exchange?.dpop, 'the code exchange carried a DPoP proof');
  const userinfo = providerRequests.find((r) => r.url === metadata.userinfo_endpoint);
  if (userinfo) assert.equal(userinfo.scheme, 'DPoP', 'userinfo was called with the DPoP scheme');

  // el.fetch() reaches the API, which verifies the proof and the token's binding.
  const apiUrl = `${api.origin}/hello?greeting=1`;
  const first = await elementFetch(page, apiUrl);
  assert.equal(first.status, 200, `the API accepted the request: ${JSON.stringify(first.body)} ${JSON.stringify(api.requests.map((r) => r.reason))}`);
  assert.deepEqual(first.body, { ok: true, sub: 'dora', scope: first.body.scope, jkt }, 'bound to the key of dpop_jkt');
  const [accepted] = api.requests;
  assert.equal(accepted.status, 200);
  assert.equal(accepted.proof.header.typ, 'dpop+jwt');
  assert.equal(accepted.proof.claims.htm, 'GET');
  assert.equal(accepted.proof.claims.htu, `${api.origin}/hello`);
  assert.ok(accepted.proof.claims.ath, 'the proof carries ath');
  assert.ok(!('d' in accepted.proof.header.jwk), 'only the public key travels');
  const accessToken = accepted.headers.authorization.replace(/^DPoP /, '');
  const bound = await stack.provider.AccessToken.find(accessToken);
  assert.equal(bound?.jkt, jkt, 'the provider bound the access token to the dpop_jkt key');

  // Another call gets a fresh proof (new jti), other method and body included.
  const second = await elementFetch(page, `${api.origin}/items`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'x' }),
  });
  assert.equal(second.status, 200, `a POST with a body is accepted: ${JSON.stringify(second.body)}`);
  assert.equal(api.requests[1].proof.claims.htm, 'POST');
  assert.notEqual(api.requests[1].proof.claims.jti, accepted.proof.claims.jti, 'a fresh proof for each request');

  // The first request replayed from here, headers and all: refused.
  const replay = await fetch(accepted.url, {
    headers: { authorization: accepted.headers.authorization, dpop: accepted.headers.dpop },
  });
  const replayBody = await replay.json();
  assert.equal(replay.status, 401, `a replayed proof is refused: ${JSON.stringify(replayBody)}`);
  assert.match(replay.headers.get('www-authenticate') ?? '', /^DPoP error="invalid_dpop_proof"/);
  assert.match(replayBody.reason, /replayed jti/);
  // And the bare token, without its key, is worth nothing.
  const bearer = await fetch(accepted.url, { headers: { authorization: `Bearer ${accessToken}` } });
  assert.equal(bearer.status, 401, 'the token alone (Bearer) is refused');
  // A valid proof made with another key: the token is not bound to it.
  const thief = await generateKeyPair('ES256');
  const stolen = await fetch(accepted.url, {
    headers: { authorization: `DPoP ${accessToken}`, dpop: await nodeProof(thief, { url: accepted.url, accessToken }) },
  });
  assert.equal(stolen.status, 401, 'the token with a proof of another key is refused');
  assert.match((await stolen.json()).reason, /bound to/);
  t.diagnostic(`API requests: ${JSON.stringify(api.requests.map((r) => [r.method, new URL(r.url).pathname, r.status, r.reason ?? 'ok']))}`);
  assert.deepEqual((await readEvents(page)).filter((e) => e.type === 'error'), [], 'no error event');
  assert.deepEqual(await page.evaluate(() => window.__pageErrors), []);
});

test('the test API refuses proofs that do not verify (self-check)', async () => {
  const key = await generateKeyPair('ES256');
  const url = `${api.origin}/hello`;
  const accessToken = 'not-a-real-token';
  const send = async (proof, scheme = 'DPoP') => {
    const response = await fetch(url, { headers: { authorization: `${scheme} ${accessToken}`, dpop: proof } });
    return { status: response.status, reason: (await response.json()).reason };
  };
  const other = await generateKeyPair('ES256');
  const cases = {
    'a valid proof, unknown token': [await nodeProof(key, { url, accessToken }), /unknown or expired/],
    'wrong htm': [await nodeProof(key, { url, accessToken, claims: { htm: 'POST' } }), /htm/],
    'wrong htu': [await nodeProof(key, { url: `${api.origin}/other`, accessToken }), /htu/],
    'stale iat': [await nodeProof(key, { url, accessToken, claims: { iat: Math.floor(Date.now() / 1000) - 600 } }), /iat/],
    'wrong ath': [await nodeProof(key, { url, accessToken: 'another token' }), /ath/],
    'wrong typ': [await nodeProof(key, { url, accessToken, header: { typ: 'JWT' } }), /typ/],
    'signed by another key': [await nodeProof(key, { url, accessToken, header: { jwk: await exportJWK(other.publicKey) } }), /verify/],
  };
  for (const [name, [proof, reason]] of Object.entries(cases)) {
    const result = await send(proof);
    assert.equal(result.status, 401, name);
    assert.match(result.reason, reason, name);
  }
});
